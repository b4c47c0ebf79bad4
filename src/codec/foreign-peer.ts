/**
 * A peer that answers with bytes that are not the wire protocol: an HTTP server answering our
 * RequestRegisterClient with "HTTP/1.1 400", a TLS server with an alert, an SSH banner. Read as a
 * frame, their first four bytes are an absurd length ("HTTP" is 1,213,486,160 bytes); told apart
 * from a T-Server's oversized frame by those four bytes alone (text, or a TLS record header), so
 * the verdict does not depend on how the bytes were chunked.
 */
import { ProtocolError } from '../errors.js';

const isText = (c: number) => c === 0x09 || c === 0x0a || c === 0x0d || (c >= 0x20 && c <= 0x7e);

/** A TLS record: content type 20–23 (change cipher spec, alert, handshake, data), version 3.x. */
const isTlsRecord = (b: Uint8Array) => b[0] >= 0x14 && b[0] <= 0x17 && b[1] === 0x03 && b[2] <= 0x04;

/** The first line of `b` as printable ASCII, at most 60 characters (what a message may quote of a peer's bytes). */
function firstLine(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length && s.length < 60; i++) {
    const c = b[i];
    if (c === 0x0a || c === 0x0d) break;
    s += c >= 0x20 && c <= 0x7e ? String.fromCharCode(c) : '?';
  }
  return s;
}

/** What the peer looks like, from the bytes it sent first (4 or more). */
function likeness(b: Uint8Array): string {
  if (isTlsRecord(b)) return 'like a TLS server (a TLS record; is the `tls` option missing?)';
  const line = JSON.stringify(firstLine(b));
  if (/^HTTP(\/\d|$)/.test(firstLine(b))) return `like an HTTP server: ${line}`;
  if (/^SSH-/.test(firstLine(b))) return `like an SSH server: ${line}`;
  if (b[0] === 0x3c) return `with XML or HTML: ${line}`;
  return `with text: ${line}`;
}

/**
 * For the first bytes of a stream (4 or more) whose length field is out of range: the
 * ERR_NOT_TSERVER error naming what the peer looks like, or undefined when they may be a
 * T-Server's frame after all (binary: the length error stands).
 */
export function notATServer(first: Uint8Array): ProtocolError | undefined {
  const head = first.subarray(0, 4);
  if (!head.every(isText) && !isTlsRecord(head)) return undefined;
  return new ProtocolError('ERR_NOT_TSERVER', `not a T-Server (it answered ${likeness(first)})`, 0, true);
}
