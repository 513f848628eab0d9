import { TethysError } from "../../src/kernel/errors.ts";
import { defaultImporter, loadNative, type ModuleImporter } from "./native-loader.ts";

/**
 * A sender of datagrams to systemd's NOTIFY_SOCKET. Node's `dgram` has no Unix datagram sockets
 * and `net` only stream ones, so this uses the unix-dgram package (a small native module, built
 * for the board like i2c-bus), loaded lazily only when systemd gave a socket. A send that fails
 * (the manager gone, its queue full) is reported through `onError`, never thrown into the loop:
 * a watchdog ping that does not arrive makes systemd act, which is the point.
 */
interface UnixDgramModule {
  createSocket(type: "unix_dgram"): UnixDgramSocket;
}
interface UnixDgramSocket {
  on(event: "error", fn: (err: Error) => void): void;
  send(buf: Buffer, offset: number, length: number, path: string, cb: (err?: Error) => void): void;
  close(): void;
}

export interface NotifySocket {
  send(state: string): void;
  close(): void;
}

export async function openNotifySocket(
  path: string,
  onError: (err: TethysError) => void,
  importer: ModuleImporter = defaultImporter,
): Promise<NotifySocket> {
  const mod = await loadNative<UnixDgramModule>("unix-dgram", importer);
  const socket = mod.createSocket("unix_dgram");
  const fail = (err: Error) =>
    onError(new TethysError("SYSTEMD_NOTIFY", `cannot notify systemd at ${path}: ${err.message}`, { cause: err }));
  socket.on("error", fail);
  let closed = false;
  return {
    send(state) {
      if (closed) return;
      const buf = Buffer.from(state);
      socket.send(buf, 0, buf.length, path, (err) => {
        if (err) fail(err);
      });
    },
    close() {
      if (closed) return;
      closed = true;
      socket.close();
    },
  };
}
