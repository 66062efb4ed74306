/**
 * The whole runs folder, live: `GET /api/events` is a text/event-stream
 * whose event `runs` carries the same JSON array as `GET /api/runs`. It is
 * sent when the client connects and again whenever the list changed: a run
 * appeared or went, got an epoch or a figure, changed status (anything but
 * the `modified` times alone, which every progress line moves).
 *
 * One poller serves every client, about once a second, while any is
 * connected. Each poll lists the folder (runs.ts `findRuns`) and re-reads
 * only the runs whose files changed (their stamps: size, time, inode), so
 * it costs a few stat calls per run.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { listRuns } from './runs.js';

type RunList = Awaited<ReturnType<typeof listRuns>>;

interface Client {
  readonly res: ServerResponse;
  /** What the last list sent looked like, `modified` left out. */
  key: string;
  lastWrite: number;
}

const KEEP_ALIVE_MS = 15_000;

/** The list as compared between polls: without the times that progress lines move. */
function keyOf(list: RunList): string {
  return JSON.stringify(list.map(({ modified: _, ...rest }) => rest));
}

export class RunsFeed {
  private readonly clients = new Set<Client>();
  private timer: NodeJS.Timeout | undefined;
  private polling = false;

  constructor(private readonly runsDir: string, private readonly pollMs = 1000) {}

  /** Streams the list to one client until it disconnects. */
  async open(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const list = await listRuns(this.runsDir);
    res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', Connection: 'keep-alive' });
    res.write('retry: 1000\n\n');
    const client: Client = { res, key: '', lastWrite: 0 };
    this.send(client, list);
    this.clients.add(client);
    const drop = () => {
      this.clients.delete(client);
      if (!this.clients.size) this.stopPolling();
    };
    req.on('close', drop);
    res.on('close', drop);
    this.timer ??= setInterval(() => void this.poll(), this.pollMs);
  }

  /** Ends every stream and stops polling. */
  close(): void {
    this.stopPolling();
    for (const { res } of this.clients) res.end();
    this.clients.clear();
  }

  private stopPolling(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private send(client: Client, list: RunList, key = keyOf(list)): void {
    client.key = key;
    client.lastWrite = Date.now();
    client.res.write(`event: runs\ndata: ${JSON.stringify(list)}\n\n`);
  }

  private async poll(): Promise<void> {
    if (this.polling) return; // a slow listing (a new checkpoint being verified) is not started twice
    this.polling = true;
    try {
      let list: RunList;
      try {
        list = await listRuns(this.runsDir);
      } catch {
        // The runs folder itself is gone: end the streams (the page's reconnect gets the error), never the server.
        this.close();
        return;
      }
      const key = keyOf(list);
      const now = Date.now();
      for (const client of this.clients) {
        if (client.key !== key) this.send(client, list, key);
        else if (now - client.lastWrite >= KEEP_ALIVE_MS) {
          client.res.write(': keep-alive\n\n');
          client.lastWrite = now;
        }
      }
    } finally {
      this.polling = false;
    }
  }
}
