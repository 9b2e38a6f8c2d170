// The Node binding of the client's KeepAlive port: one interval handle per client, ref'd while
// any call is pending and unref'd when none is. Node exits when nothing ref'd is left, so a
// script awaiting a call stays alive through every backoff (when no socket is open, nothing
// else would hold it), and an idle or closed client never holds the process by itself.
//
// The interval never fires in practice (its period is Node's longest); it exists only to be
// ref'd. Toggling ref/unref on one handle costs far less than creating a timer per call.
import type { KeepAlive } from '../client/client.js';

const LONGEST_INTERVAL_MS = 2 ** 31 - 1;

export class NodeKeepAlive implements KeepAlive {
  private handle: ReturnType<typeof setInterval> | null = null;

  hold(): void {
    if (this.handle === null) this.handle = setInterval(() => {}, LONGEST_INTERVAL_MS);
    else this.handle.ref();
  }

  release(): void {
    this.handle?.unref();
  }

  /** Whether the process is being held open (for tests). */
  get holding(): boolean {
    return this.handle !== null && this.handle.hasRef();
  }
}
