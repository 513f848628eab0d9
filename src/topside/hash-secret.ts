// Prints the stored form of a secret for [topside.auth] pilot_hashes / observer_hashes.
// Usage: node src/topside/hash-secret.ts < secret.txt   (the secret is read from stdin, one line)
import { text } from "node:stream/consumers";
import { hashSecret } from "./secrets.ts";

const secret = (await text(process.stdin)).replace(/\r?\n$/, "");
if (secret === "" || new TextEncoder().encode(secret).length > 128) {
  process.stderr.write("hash-secret: give a secret of 1..128 UTF-8 bytes on stdin\n");
  process.exit(1);
}
process.stdout.write(`${await hashSecret(secret)}\n`);
