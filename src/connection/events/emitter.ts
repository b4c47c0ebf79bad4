/**
 * Emission with listener isolation, on a listener registry of our own: each listener runs in its
 * own try/catch, so one that throws is reported (HandlerError on 'error', or a process warning when
 * nobody listens to 'error') and the others — events() iterators included — still get the event.
 * It offers eventemitter3's listener API (on, once, off, listeners, a context argument…) typed by
 * the connection's events, but `emit` is not public: only the connection says what happened (an
 * application that could emit EventServerConnected would steer a routing point).
 *
 * Lists are copy-on-write: `on`/`off` build a new array, so an emit walks the array it started
 * with (a listener added during an emit waits for the next one; a once-listener is removed before
 * it runs), with no copy per emit.
 */
import type { EventEmitter } from 'eventemitter3';
import { HandlerError, type TlibError } from '../../errors.js';
import type { TServerConnectionEvents } from '../types.js';

type Events = TServerConnectionEvents;
type Name = EventEmitter.EventNames<Events>;
type Listener<T extends Name> = EventEmitter.EventListener<Events, T>;
type AnyFn = (...args: unknown[]) => void;

interface Entry {
  readonly fn: AnyFn;
  readonly context: unknown;
  readonly once: boolean;
}

export abstract class IsolatingEmitter {
  private readonly registry = new Map<string | symbol, readonly Entry[]>();

  /** Listens to `event` (an event name such as `EventRinging`, `'event'` for all, or one of the connection's own); a listener that throws is reported, the others still run. */
  on<T extends Name>(event: T, fn: Listener<T>, context?: unknown): this {
    return this.add(event, fn as AnyFn, context, false);
  }

  /** Same as `on()`. */
  addListener<T extends Name>(event: T, fn: Listener<T>, context?: unknown): this {
    return this.add(event, fn as AnyFn, context, false);
  }

  /** Listens to the next `event` only. */
  once<T extends Name>(event: T, fn: Listener<T>, context?: unknown): this {
    return this.add(event, fn as AnyFn, context, true);
  }

  /** Removes a listener added with on() (all of the event's, without `fn`). */
  off<T extends Name>(event: T, fn?: Listener<T>, context?: unknown, once?: boolean): this {
    return this.removeListener(event, fn, context, once);
  }

  /** As eventemitter3: without `fn`, every listener of the event; else those matching fn (and context, once). */
  removeListener<T extends Name>(event: T, fn?: Listener<T>, context?: unknown, once?: boolean): this {
    const list = this.registry.get(event);
    if (!list) return this;
    const kept = fn ? list.filter((l) => l.fn !== fn || (once && !l.once) || (context !== undefined && l.context !== context)) : [];
    if (kept.length === 0) this.registry.delete(event);
    else if (kept.length !== list.length) this.registry.set(event, kept);
    else return this;
    this.listenersChanged();
    return this;
  }

  /** Removes every listener of `event`, or of every event. */
  removeAllListeners(event?: Name): this {
    if (event === undefined) this.registry.clear();
    else this.registry.delete(event);
    this.listenersChanged();
    return this;
  }

  /** The listeners of `event`. */
  listeners<T extends Name>(event: T): Array<Listener<T>> {
    return (this.registry.get(event) ?? []).map((l) => l.fn as Listener<T>);
  }

  /** How many listeners `event` has. */
  listenerCount(event: Name): number {
    return this.registry.get(event)?.length ?? 0;
  }

  /** The events that have listeners. */
  eventNames(): Array<Name> {
    return [...this.registry.keys()] as Array<Name>;
  }

  /** Runs after every change of the listeners (an owner that asks "does anyone listen?" per event keeps the answer). */
  protected listenersChanged(): void {}

  /** Emits `event` to its listeners, each isolated; returns whether anyone listened. */
  protected emit<T extends Name>(event: T, ...args: EventEmitter.EventArgs<Events, T>): boolean {
    const list = this.registry.get(event);
    if (!list) return false;
    for (const l of list) this.call(event, l, args);
    return true;
  }

  /** The SDK's emit: at most two arguments (callChanged and the like have two), no rest array. */
  protected emitOne(event: string, arg?: unknown, arg2?: unknown): void {
    const list = this.registry.get(event);
    if (list === undefined) return;
    for (let i = 0; i < list.length; i++) {
      const l = list[i];
      if (l.once) this.removeListener(event as Name, l.fn as never, undefined, true);
      try {
        l.fn.call(l.context, arg, arg2);
      } catch (err) {
        this.reportHandlerError(event, err);
      }
    }
  }

  /** A typed error that concerns no request: to 'error' listeners, or a process warning when there are none. */
  protected reportError(err: TlibError, detail?: string): void {
    if (this.registry.has('error')) this.emitOne('error', err);
    else process.emitWarning(err.message, { code: err.code, detail: detail ?? String(err.stack) });
  }

  /** A listener threw: the error goes to `'error'` (or a process warning) as a HandlerError, and the other listeners still run. */
  protected reportHandlerError(name: string, err: unknown): void {
    const handlerError = new HandlerError(name, err);
    if (name !== 'error' && this.registry.has('error')) this.emitOne('error', handlerError);
    else process.emitWarning(handlerError.message, { code: handlerError.code, detail: String((err as Error)?.stack ?? err) });
  }

  private add(event: Name, fn: AnyFn, context: unknown, once: boolean): this {
    if (typeof fn !== 'function') throw new TypeError('The listener must be a function');
    const entry: Entry = { fn, context: context ?? this, once };
    const list = this.registry.get(event);
    this.registry.set(event, list ? [...list, entry] : [entry]);
    this.listenersChanged();
    return this;
  }

  private call(event: Name, l: Entry, args: unknown[]): void {
    if (l.once) this.removeListener(event, l.fn as never, undefined, true);
    try {
      l.fn.apply(l.context, args);
    } catch (err) {
      this.reportHandlerError(String(event), err);
    }
  }
}
