// TypeDoc plugin: the API reference's text for the catalogue's messages comes from the catalogue.
// `EventRinging`, `RequestHoldCall` and the other named message types (src/protocol/types.ts), and
// the listener of each event on TServerConnectionEvents, are one per message: instead of a doc
// comment written by hand for each (a second copy of the catalogue), each gets a summary made from
// the catalogue's own row — type number, Mandatory and Optional attributes, answering events,
// whether it is re-sent after a failover. A hand-written comment always wins.
import { tsImport } from 'tsx/esm/api';
import { Comment, Converter, ReflectionKind } from 'typedoc';

/** @param {import('typedoc').Application} app */
export async function load(app) {
  /** @type {{ messageByName(name: string): any }} */
  const catalogue = await tsImport('./src/protocol/catalogue.ts', import.meta.url);
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    const kinds = ReflectionKind.TypeAlias | ReflectionKind.Property | ReflectionKind.Interface;
    for (const reflection of context.project.getReflectionsByKind(kinds)) {
      if (reflection.hasComment()) continue;
      const message = catalogue.messageByName(reflection.name);
      if (message && message.kind !== 'addp') reflection.comment = new Comment(summary(message));
    }
  });
}

/** @param {any} m a MessageDescriptor */
function summary(m) {
  const names = (/** @type {string[]} */ list) => (list.length > 0 ? list.map((a) => `\`${a}\``).join(', ') : 'none');
  const mandatory = [...m.attributes].filter(([, p]) => p === 'M').map(([a]) => a);
  const optional = [...m.attributes].filter(([, p]) => p === 'O').map(([a]) => a);
  const parts = [{ kind: 'text', text: `T-Library ${m.kind} \`${m.name}\` (message type ${m.type}).` }];
  if (m.kind === 'request') {
    const answers = m.answeredBy.length > 0 ? `Answered by ${names(m.answeredBy)} (or \`EventError\`)` : 'Not answered';
    parts.push({
      kind: 'text',
      text: ` ${answers}; ${m.idempotent ? 're-sent after a failover (idempotent)' : 'not re-sent after a failover (RequestInterruptedError)'}.`,
    });
  }
  if (m.catalogueOnly) parts.push({ kind: 'text', text: ' Known by name only: decoded with the usual content, never sent or acted upon.' });
  parts.push({ kind: 'text', text: `\n\nMandatory: ${names(mandatory)}. Optional: ${names(optional)}.` });
  return parts;
}
