/** parseEndpoint (src/transport/endpoint.ts): what a configured endpoint may be, and the error naming what is wrong. */
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/errors.js';
import { isValidHost, parseEndpoint } from '../../src/transport/endpoint.js';

describe('parseEndpoint', () => {
  it("takes 'host:port', '[v6]:port' and { host, port, name, servername }", () => {
    expect(parseEndpoint('tserver-a.invalid:7000', 'primary')).toMatchObject({
      host: 'tserver-a.invalid',
      port: 7000,
      name: 'tserver-a.invalid:7000',
    });
    expect(parseEndpoint('[::1]:7000', 'primary')).toMatchObject({ host: '::1', port: 7000, name: '[::1]:7000' });
    expect(parseEndpoint({ host: '127.0.0.1', port: 7001, name: 'b', servername: 'tserver.invalid' }, 'backup')).toMatchObject({
      host: '127.0.0.1',
      name: 'b',
      servername: 'tserver.invalid',
    });
  });

  it('brackets only around an IPv6 literal', () => {
    expect(isValidHost('[::1]')).toBe(true);
    expect(isValidHost('[tserver.invalid]')).toBe(false);
    expect(isValidHost('[127.0.0.1]')).toBe(false);
    expect(() => parseEndpoint({ host: '[tserver.invalid]', port: 7000 }, 'primary')).toThrow(
      /primary: invalid host "\[tserver\.invalid\]"/,
    );
  });

  it('a name that is not a non-empty string is refused, naming it', () => {
    expect(() => parseEndpoint({ host: '::1', port: 7000, name: 42 as never }, 'backup')).toThrow(
      /backup: name must be a non-empty string, got 42/,
    );
    expect(() => parseEndpoint({ host: '::1', port: 7000, name: '' }, 'backup')).toThrow(InvalidArgumentError);
  });

  it('a 1 MB host in the option gives a short message naming it by its length', () => {
    const err = (() => {
      try {
        parseEndpoint(`${'a'.repeat(1_000_000)}:7000`, 'primary');
      } catch (e) {
        return e as Error;
      }
    })();
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect(err!.message).toMatch(/^primary: invalid host "a{64}…" \(1000000 characters\)$/);
  });
});
