import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SUITES } from "../crypto/suites.ts";
import { ContentType } from "../wire/messages.ts";
import { newRecordView, RecordLayer, readRecord } from "./record-layer.ts";

function pair() {
  const suite = SUITES[0];
  assert.ok(suite);
  const a = new RecordLayer();
  const b = new RecordLayer();
  const k1 = new Uint8Array(16).fill(1);
  const k2 = new Uint8Array(16).fill(2);
  const s1 = new Uint8Array([1, 1, 1, 1]);
  const s2 = new Uint8Array([2, 2, 2, 2]);
  a.setPending(suite, k2, s2, k1, s1);
  b.setPending(suite, k1, s1, k2, s2);
  a.activateWrite();
  a.activateRead();
  b.activateWrite();
  b.activateRead();
  return { a, b };
}

function open(layer: RecordLayer, datagram: Uint8Array) {
  const v = newRecordView();
  assert.equal(readRecord(datagram, 0, v), datagram.length);
  return layer.open(v);
}

describe("RecordLayer", () => {
  it("frames epoch-1 records with epoch||sequence as explicit nonce and opens them once", () => {
    const { a, b } = pair();
    const rec = a.seal(ContentType.applicationData, new Uint8Array([9, 9]));
    assert.deepEqual([...rec.subarray(0, 13)], [23, 0xfe, 0xfd, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2 + 8 + 8]);
    assert.deepEqual([...rec.subarray(13, 21)], [0, 1, 0, 0, 0, 0, 0, 0]);
    assert.deepEqual([...(open(b, rec) as Uint8Array)], [9, 9]);
    assert.equal(open(b, rec), "replayed");
  });

  it("drops records over the read limit, unknown epochs and forgeries", () => {
    const { a, b } = pair();
    b.readLimit = 100;
    assert.equal(open(b, a.seal(ContentType.applicationData, new Uint8Array(101))), "tooLarge");
    assert.equal(open(b, a.seal(ContentType.applicationData, new Uint8Array(100))).length, 100);
    const rec = a.seal(ContentType.applicationData, new Uint8Array(4));
    rec[4] = 2; // epoch 2
    assert.equal(open(b, rec), "unknownEpoch");
    const forged = a.seal(ContentType.applicationData, new Uint8Array(4));
    forged[forged.length - 1] = (forged[forged.length - 1] as number) ^ 1;
    assert.equal(open(b, forged), "badMac");
    const short = forged.slice(0, 13 + 5); // shorter than explicit nonce + tag
    short[11] = 0;
    short[12] = 5;
    assert.equal(open(b, short), "malformed");
  });

  it("rejects a truncated header or a length beyond the datagram", () => {
    const v = newRecordView();
    assert.equal(readRecord(new Uint8Array(12), 0, v), -1);
    const d = new Uint8Array(13);
    d[12] = 1;
    assert.equal(readRecord(d, 0, v), -1);
  });
});
