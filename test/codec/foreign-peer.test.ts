/**
 * A peer that is not a T-Server (issue 25 item 8): its first bytes, read as a frame length, are
 * absurd; when they are text or a TLS record the decoder says what the peer looks like
 * (ERR_NOT_TSERVER, fatal, offset 0) instead of "frame too large". Only at the stream's start, and
 * decided from the four length bytes alone, so chunking cannot change the verdict. The same over
 * a real loopback HTTP server: test/transport/foreign-peer.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { encodeFrame } from '../../src/codec/encoder.js';
import { ProtocolError } from '../../src/errors.js';
import { feed } from '../support/arbitraries.js';

const HTTP_400 = Buffer.from('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');

function firstError(chunks: Uint8Array[]): ProtocolError {
  const r = feed(chunks);
  expect(r.messages).toHaveLength(0);
  expect(r.errors).toHaveLength(1);
  expect(r.decoder.isFailed).toBe(true);
  return r.errors[0];
}

describe('not a T-Server', () => {
  it('an HTTP answer: ERR_NOT_TSERVER naming an HTTP server and quoting its status line', () => {
    const e = firstError([HTTP_400]);
    expect(e).toBeInstanceOf(ProtocolError);
    expect(e).toMatchObject({ code: 'ERR_NOT_TSERVER', offset: 0, fatal: true });
    expect(e.message).toBe('not a T-Server (it answered like an HTTP server: "HTTP/1.1 400 Bad Request") (at byte 0)');
  });

  it('the same verdict whatever the chunking (one byte at a time, or the length field alone)', () => {
    expect(firstError([...HTTP_400].map((b) => Uint8Array.of(b))).code).toBe('ERR_NOT_TSERVER');
    expect(firstError([HTTP_400.subarray(0, 4)]).message).toMatch(/like an HTTP server: "HTTP"/);
  });

  it('a TLS alert (a plain client at a TLS port), an SSH banner, XML and other text are named', () => {
    expect(firstError([Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x46])]).message).toMatch(
      /not a T-Server \(it answered like a TLS server \(a TLS record; is the `tls` option missing\?\)\)/,
    );
    expect(firstError([Buffer.from('SSH-2.0-OpenSSH_9.6\r\n')]).message).toMatch(/like an SSH server: "SSH-2.0-OpenSSH_9.6"/);
    expect(firstError([Buffer.from('<?xml version="1.0"?><Error/>')]).message).toMatch(/with XML or HTML: "<\?xml/);
    expect(firstError([Buffer.from('-ERR unknown command\r\n')]).message).toMatch(/with text: "-ERR unknown command"/);
  });

  it('quotes at most 60 printable characters of the first line, nothing else', () => {
    const e = firstError([Buffer.concat([Buffer.from('HTTP/1.1 200 '), Buffer.from([0x1b, 0x07]), Buffer.from('x'.repeat(200))])]);
    expect(e.message).toBe(`not a T-Server (it answered like an HTTP server: "HTTP/1.1 200 ??${'x'.repeat(45)}") (at byte 0)`);
  });

  it('binary that is not text stays a frame error (a T-Server with an oversized or broken frame)', () => {
    expect(firstError([Buffer.from([0xff, 0xff, 0xff, 0xff])]).code).toBe('ERR_FRAME_TOO_LARGE');
    expect(firstError([Buffer.from([0, 0, 0, 3])]).code).toBe('ERR_FRAME_TOO_SMALL');
  });

  it('only the stream start: the same text after a good frame is a frame error', () => {
    const r = feed([Buffer.concat([encodeFrame(53, { ThisDN: '1' }), HTTP_400])]);
    expect(r.messages).toHaveLength(1);
    expect(r.errors.map((e) => e.code)).toEqual(['ERR_FRAME_TOO_LARGE']);
  });
});
