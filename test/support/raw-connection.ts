import { once } from "node:events";
import { connect, type Socket } from "node:net";

/** A raw HTTP/1.1 connection, so that which side closes it, and when, is visible. */
export class RawConnection {
  private received = "";
  readonly closed: Promise<void>;
  /** Whether the server ended the connection (a FIN), rather than this side. */
  endedByServer = false;

  private constructor(private readonly socket: Socket) {
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => (this.received += chunk));
    socket.on("end", () => (this.endedByServer = true));
    this.closed = once(socket, "close").then(() => undefined);
  }

  static async open(port: number): Promise<RawConnection> {
    const socket = connect(port, "127.0.0.1");
    await once(socket, "connect");
    return new RawConnection(socket);
  }

  get isOpen(): boolean {
    return !this.socket.destroyed && !this.endedByServer;
  }

  /** Sends a GET and resolves with the status line of its response, once the body is in. */
  async get(path: string): Promise<string> {
    this.received = "";
    this.socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`);
    for (;;) {
      const end = this.received.indexOf("\r\n\r\n");
      const length = /content-length: (\d+)/i.exec(this.received)?.[1];
      if (end >= 0 && length !== undefined && this.received.length >= end + 4 + Number(length)) {
        return this.received.slice(0, this.received.indexOf("\r\n"));
      }
      if (!this.isOpen) throw new Error(`connection closed; received ${this.received}`);
      await Promise.race([once(this.socket, "data"), this.closed]);
    }
  }

  write(text: string): void {
    this.socket.write(text);
  }

  text(): string {
    return this.received;
  }

  destroy(): void {
    this.socket.destroy();
  }
}
