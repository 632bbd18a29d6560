/** What the xDLMS session needs from the layers below: one APDU out, one APDU back. */
export interface ApduChannel {
  /** e.g. "HDLC 16->1/17 over tcp 127.0.0.1:4059". */
  readonly description: string;
  open(): Promise<void>;
  /** Sends a request APDU and resolves with the response APDU; `onProgress` counts bytes of a long answer. */
  request(apdu: Uint8Array, onProgress?: (receivedBytes: number) => void): Promise<Uint8Array>;
  /** Releases the link (HDLC DISC) and closes the transport; never throws. */
  close(): Promise<void>;
}
