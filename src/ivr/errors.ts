import { TlibError } from '../errors.js';

/** Why an IVR message was refused by a builder, the parser or the bridge. */
export type IvrMessageErrorReason =
  /** A required parameter (or MonitorInfo's subtype) is absent. */
  | 'missing'
  /** A parameter's value is not one of the seed's allowed values. */
  | 'not-allowed'
  /** A value is not a non-empty string of XML characters (or an options section is malformed). */
  | 'invalid'
  /** A parameter, attribute or child element the seed's table does not have. */
  | 'unknown-parameter'
  /** An element that is not a known message or subtype, where one is expected. */
  | 'unknown-message'
  /** The same parameter or option given twice. */
  | 'duplicate';

/**
 * An IVR message broke the seed's tables: a required parameter is missing, a value is outside
 * the allowed list, or something unknown is present. Stable code: `ERR_IVR_MESSAGE`.
 */
export class IvrMessageError extends TlibError {
  declare readonly code: 'ERR_IVR_MESSAGE';
  /** The message or subtype concerned, e.g. `LoginResp`, `MonitorInfo/Agent`, or `GctiMsg`. */
  readonly ivrMessage: string;
  /** The parameter concerned, when there is one (e.g. `Status`). */
  readonly parameter: string | undefined;
  /** The allowed values (or allowed names) when the seed lists them. */
  readonly allowed: readonly string[] | undefined;
  readonly reason: IvrMessageErrorReason;
  constructor(reason: IvrMessageErrorReason, ivrMessage: string, detail: string, parameter?: string, allowed?: readonly string[]) {
    super('ERR_IVR_MESSAGE', `${ivrMessage}: ${detail}${allowed && allowed.length > 0 ? ` (allowed: ${allowed.join(', ')})` : ''}`);
    this.reason = reason;
    this.ivrMessage = ivrMessage;
    this.parameter = parameter;
    this.allowed = allowed;
  }
}

/** Why input was refused before any message was looked at. */
export type IvrXmlErrorReason =
  /** Larger than the configured limit (`maxBytes`). */
  | 'too-large'
  /** A `<!DOCTYPE …>` (or any other `<!…>` declaration): never processed, always refused. */
  | 'doctype'
  /** An entity reference other than the five predefined ones and character references. */
  | 'entity'
  /** Not well-formed XML (or outside the subset: CDATA, processing instructions, text). */
  | 'malformed';

/**
 * Input that is not acceptable XML: too large, carries a DOCTYPE or an unknown entity, or is not
 * well formed. `offset` is the index in the (decoded) text where the problem was seen.
 * Stable code: `ERR_IVR_XML`.
 */
export class IvrXmlError extends TlibError {
  declare readonly code: 'ERR_IVR_XML';
  readonly reason: IvrXmlErrorReason;
  readonly offset: number;
  constructor(reason: IvrXmlErrorReason, detail: string, offset: number) {
    super('ERR_IVR_XML', `${detail} (at offset ${offset})`);
    this.reason = reason;
    this.offset = offset;
  }
}
