/**
 * What a newcomer meets first: a misspelt option is refused naming the nearest valid one, strings
 * are quoted in messages, open() twice is a state error (not an argument error), and error codes are
 * the union of real codes.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  InvalidArgumentError,
  InvalidStateError,
  TlibError,
  TServerConnection,
  type TlibErrorCode,
  type TServerConnectionOptions,
} from '../../src/index.js';
import { nearestName } from '../../src/util/nearest-name.js';
import { TServerSimulator } from '../../src/simulator/index.js';

function refusal(options: unknown): InvalidArgumentError {
  try {
    new TServerConnection(options as TServerConnectionOptions);
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidArgumentError);
    return err as InvalidArgumentError;
  }
  throw new Error(`accepted ${JSON.stringify(options)}`);
}

describe('unknown option keys', () => {
  it.each([
    [{ reconect: false }, 'unknown option reconect: did you mean reconnect?'],
    [{ requestTimeout: 5 }, 'unknown option requestTimeout: did you mean requestTimeoutMs?'],
    [{ Backup: '127.0.0.1:2' }, 'unknown option Backup: did you mean backup?'],
    [{ reconnect: { retry: 3 } }, 'unknown option reconnect.retry: did you mean reconnect.retries?'],
    [{ addp: { timeout: 100 } }, 'unknown option addp.timeout: did you mean addp.timeoutMs?'],
    [{ offlineQueue: { limt: 3 } }, 'unknown option offlineQueue.limt: did you mean offlineQueue.limit?'],
  ])('%j is refused: %s', (extra, message) => {
    expect(refusal({ primary: '127.0.0.1:1', ...extra }).message).toBe(message);
  });

  it('a key like nothing valid lists the valid ones', () => {
    const err = refusal({ primary: '127.0.0.1:1', zzzzzzzz: 1 });
    expect(err.message).toMatch(/^unknown option zzzzzzzz \(options: primary, backup, applicationName, [^)]*\)$/);
    expect(err.message).toContain(', resyncOnReconnect');
  });

  it('a 1 MB key is refused at once in a short message (no edit distance over it, no megabyte quoted)', () => {
    const key = `retr${'y'.repeat(1_000_000)}`;
    const err = refusal({ primary: '127.0.0.1:1', [key]: 1 });
    expect(err.message).toMatch(/^unknown option retry{60}… \(1000004 characters\) \(options: primary, /);
    expect(err.message.length).toBeLessThan(1_000);
  });

  it('nested options must be objects (or false)', () => {
    expect(refusal({ primary: '127.0.0.1:1', reconnect: 3 }).message).toBe('reconnect must be an object or false, got 3');
    expect(refusal({ primary: '127.0.0.1:1', addp: 'off' }).message).toBe('addp must be an object or false, got "off"');
  });

  it('every valid option is accepted (no false refusal)', () => {
    const all: Required<TServerConnectionOptions> = {
      primary: '127.0.0.1:1',
      backup: '127.0.0.1:2',
      applicationName: 'x',
      requestTimeoutMs: 1000,
      connectTimeoutMs: 1000,
      addp: { timeoutMs: 1000, remoteTimeoutMs: 1000 },
      reconnect: { retries: 1, minTimeoutMs: 1, maxTimeoutMs: 2, factor: 1, randomize: false },
      offlineQueue: { limit: 1 },
      tls: true,
      validation: 'off',
      maxFrameBytes: 1 << 16,
      allowedBackupHosts: ['127.0.0.1'],
      codec: undefined as never,
      resyncOnReconnect: false,
      maxWriteBufferBytes: 1 << 20,
      maxHeldBytes: 1 << 20,
      learnedAddresses: 'any',
      maxInFlight: 10,
      resyncWindow: 10,
      maxResyncWindow: 20,
      maxCalls: 100,
      maxUserDataBytesPerCall: 4096,
      maxUserDataBytes: 1 << 20,
      retryStrategy: () => null,
    };
    // allowedBackupHosts is the older name of learnedAddresses, retryStrategy replaces reconnect: one or the other.
    const { codec: _codec, allowedBackupHosts, retryStrategy, ...valid } = all;
    expect(() => new TServerConnection(valid)).not.toThrow();
    expect(() => new TServerConnection({ primary: all.primary, allowedBackupHosts })).not.toThrow();
    expect(() => new TServerConnection({ primary: all.primary, retryStrategy })).not.toThrow();
  });

  it('reconnect and retryStrategy together are refused, naming both (one of them would be silently ignored)', () => {
    const retryStrategy = () => 100;
    const both = refusal({ primary: '127.0.0.1:1', reconnect: { retries: 3 }, retryStrategy });
    expect(both).toBeInstanceOf(InvalidArgumentError);
    expect(both.message).toMatch(/reconnect: \{ retries.*\} or retryStrategy, not both/);
    expect(refusal({ primary: '127.0.0.1:1', reconnect: false, retryStrategy }).message).toMatch(
      /reconnect: false or retryStrategy, not both/,
    );
  });

  it('nearestName: typos and case, but nothing for a far-off word', () => {
    expect(nearestName('primray', ['primary', 'backup'])).toBe('primary');
    expect(nearestName('BACKUP', ['primary', 'backup'])).toBe('backup');
    expect(nearestName('colour', ['primary', 'backup'])).toBeUndefined();
  });
});

describe('messages quote strings', () => {
  it.each([
    [{ requestTimeoutMs: '5000' }, 'requestTimeoutMs must be a number of ms from 1 to 2147483647, got "5000"'],
    [{ requestTimeoutMs: 0 }, 'requestTimeoutMs must be a number of ms from 1 to 2147483647, got 0'],
    [{ maxFrameBytes: '1' }, 'maxFrameBytes must be a positive finite number, got "1"'],
    [{ offlineQueue: { limit: '3' } }, 'offlineQueue.limit must be a whole number ≥ 0, got "3"'],
    [{ reconnect: { randomize: 'yes' } }, 'reconnect.randomize must be a boolean, got "yes"'],
    [{ validation: 'loud' }, `validation must be 'strict', 'warn' or 'off', got "loud"`],
  ])('%j', (extra, message) => {
    expect(refusal({ primary: '127.0.0.1:1', ...extra }).message).toBe(message);
  });
});

describe('state errors', () => {
  it('open() while open is an InvalidStateError (ERR_INVALID_STATE), not an InvalidArgumentError', async () => {
    const server = new TServerSimulator();
    await server.start();
    const conn = new TServerConnection({ primary: server.url, reconnect: false });
    try {
      await conn.open();
      const err = await conn.open().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(InvalidStateError);
      expect(err).toBeInstanceOf(TlibError);
      expect(err).not.toBeInstanceOf(InvalidArgumentError);
      expect(err).toMatchObject({ code: 'ERR_INVALID_STATE', state: 'open', name: 'InvalidStateError' });
      expect((err as Error).message).toBe('open() called while open: close() it first, or use a new TServerConnection');
      expect(conn.state.status).toBe('open'); // nothing was done
    } finally {
      await conn.close();
      await server.stop();
    }
  });
});

describe('TlibError.code', () => {
  it('is typed as the union of the real codes', () => {
    expectTypeOf<TlibError['code']>().toEqualTypeOf<TlibErrorCode>();
    expectTypeOf<'ERR_INVALID_STATE'>().toMatchTypeOf<TlibErrorCode>();
    expectTypeOf<'ERR_TSERVER'>().toMatchTypeOf<TlibErrorCode>();
    expectTypeOf<'ERR_IVR_XML'>().toMatchTypeOf<TlibErrorCode>();
    expectTypeOf<'ERR_BAD_MAGIC'>().toMatchTypeOf<TlibErrorCode>();
    expectTypeOf<'ERR_NO_SUCH_CODE'>().not.toMatchTypeOf<TlibErrorCode>();
    // @ts-expect-error a code that does not exist is a compile error
    new TlibError('ERR_NO_SUCH_CODE', 'x');
  });
});
