// A typed event channel matching `EventedBy<E>`: an EventEmitter that emits every event under
// 'event' (and under its own type), plus `subscribe` that returns an unsubscribe function.
import { EventEmitter } from 'node:events';
import type { EventedBy, HubLogger } from '../contracts';
import { errorText } from '../../core/errorText';

export class TypedEvents<E extends { type: string }> implements EventedBy<E> {
  private readonly emitter = new EventEmitter();

  constructor(private readonly log?: HubLogger) {
    // Front doors, the management API and the extension may each hold a listener per connection.
    this.emitter.setMaxListeners(0);
  }

  on(eventName: string | symbol, listener: (...args: unknown[]) => void): EventEmitter {
    return this.emitter.on(eventName, listener);
  }

  off(eventName: string | symbol, listener: (...args: unknown[]) => void): EventEmitter {
    return this.emitter.off(eventName, listener);
  }

  once(eventName: string | symbol, listener: (...args: unknown[]) => void): EventEmitter {
    return this.emitter.once(eventName, listener);
  }

  subscribe(listener: (event: E) => void): () => void {
    this.emitter.on('event', listener);
    return () => this.emitter.off('event', listener);
  }

  /** Listener errors are logged, never thrown into the domain operation that emitted. */
  emit(event: E): void {
    for (const name of ['event', event.type]) {
      for (const l of this.emitter.listeners(name)) {
        try {
          (l as (e: E) => void)(event);
        } catch (e) {
          this.log?.error(`A ${event.type} listener failed: ${errorText(e)}`);
        }
      }
    }
  }
}
