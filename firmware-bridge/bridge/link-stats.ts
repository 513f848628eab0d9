/** Counters of one McuBridge (monotonic over its life, across reconnects). */
export interface LinkStats {
  framesIn: number;
  framesOut: number;
  bytesIn: number;
  bytesOut: number;
  crcErrors: number;
  /** Frames rejected for any reason other than CRC (COBS, length, type, value, oversize). */
  frameErrors: number;
  /** Times the reader dropped bytes and restarted at the next delimiter. */
  resyncs: number;
  connects: number;
  disconnects: number;
  openFailures: number;
  handshakes: number;
  handshakeTimeouts: number;
  /** Connections given up because the MCU never answered the handshake. */
  handshakeFailures: number;
  ackTimeouts: number;
  nacks: number;
  queueFull: number;
  thrusterFramesReplaced: number;
  /** Thruster setpoints given while the link was not ready (not sent). */
  thrustersDropped: number;
  writeErrors: number;
  unexpectedFrames: number;
  silences: number;
  /** Last ping round trip (ms on the bridge's Clock), or undefined before the first pong. */
  rttMs: number | undefined;
}

export function newLinkStats(): LinkStats {
  return {
    framesIn: 0,
    framesOut: 0,
    bytesIn: 0,
    bytesOut: 0,
    crcErrors: 0,
    frameErrors: 0,
    resyncs: 0,
    connects: 0,
    disconnects: 0,
    openFailures: 0,
    handshakes: 0,
    handshakeTimeouts: 0,
    handshakeFailures: 0,
    ackTimeouts: 0,
    nacks: 0,
    queueFull: 0,
    thrusterFramesReplaced: 0,
    thrustersDropped: 0,
    writeErrors: 0,
    unexpectedFrames: 0,
    silences: 0,
    rttMs: undefined,
  };
}
