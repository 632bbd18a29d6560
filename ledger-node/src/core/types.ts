/**
 * Records of the ledger state (DESIGN §7). Plain data; the state machine owns the only
 * mutable copies and marks every change dirty (see state.ts).
 */
import type { MeterRole, PartyRole, TransferRule } from '@wattledger/protocol';

export interface Party {
  readonly id: string;
  readonly role: PartyRole;
  readonly publicKey: Uint8Array;
  readonly region: string;
  readonly name: string;
  readonly intermediary: string | undefined;
  /** Block height of registration (0: genesis). */
  readonly height: number;
}

export interface Meter {
  readonly id: string;
  /** The key its readings verify under: its own, or for a gateway-attested meter the attesting gateway's (copied at registration). */
  readonly publicKey: Uint8Array;
  /** Gateway-attested (legacy, DLMS) meter: the party that makes and signs its readings. */
  readonly attestedBy?: string | undefined;
  readonly role: MeterRole;
  readonly owner: string;
  readonly intermediary: string;
  readonly productionMethod: number;
  readonly ratedPowerW: number;
  /** Highest accepted sequence number; -1 before the first reading. */
  lastSeq: number;
  /** readingHash of the last accepted reading, hex; '' before the first. */
  lastReadingHash: string;
}

export const AssetStatus = Object.freeze({
  OPEN: 'open',
  ALLOCATED: 'allocated',
  EXPIRED: 'expired',
} as const);
export type AssetStatus = (typeof AssetStatus)[keyof typeof AssetStatus];

/**
 * An asset is the Wh range [offset, offset + wh) of one producer reading (its root). The
 * root asset covers the whole reading and its id is the reading hash; a piece's id is
 * derived from (root, offset, wh), so a split gives the same ids on every node.
 */
export interface Asset {
  readonly id: string;
  readonly root: string;
  readonly offset: number;
  readonly wh: number;
  readonly meterId: string;
  /** The provider owning the producer meter. */
  readonly producer: string;
  readonly method: number;
  readonly intervalStart: number;
  readonly expiry: number;
  /** Id of the issue-asset transaction that carried the reading. */
  readonly sourceTx: string;
  readonly issuedHeight: number;
  owner: string;
  status: AssetStatus;
  /** Set when allocated: the consumer and the usage interval it covers. */
  consumer: string | undefined;
  usageInterval: number | undefined;
}

type AssetFields = Omit<Asset, never>;

/**
 * Every asset object is built here, so all share one shape (V8 keeps property access fast)
 * and start unlogged for the current block (`$epoch`, see LedgerState).
 */
export function newAsset(f: AssetFields): Asset {
  const asset: Asset & { $epoch: number; $log: number; $born: number } = {
    id: f.id, root: f.root, offset: f.offset, wh: f.wh, meterId: f.meterId, producer: f.producer, method: f.method,
    intervalStart: f.intervalStart, expiry: f.expiry, sourceTx: f.sourceTx, issuedHeight: f.issuedHeight,
    owner: f.owner, status: f.status, consumer: f.consumer, usageInterval: f.usageInterval, $epoch: 0, $log: 0, $born: 0,
  };
  return asset;
}

export interface Contract {
  readonly consumer: string;
  readonly intermediary: string;
  readonly periodStart: number;
  readonly periodEnd: number;
  readonly plannedWhPerHour: number;
  readonly targetPercent: number;
  readonly providers: readonly string[];
  readonly granular: boolean;
  readonly txId: string;
}

export interface TransferPolicy {
  readonly intermediary: string;
  readonly rules: readonly TransferRule[];
}

/** Per consumer running totals (DESIGN §7 step 5). */
export interface History {
  readonly consumer: string;
  /** Wh per production method code. */
  byMethod: Map<number, number>;
  renewableWh: number;
  /** All usage, matched or not: the denominator of the renewable share. */
  totalWh: number;
  unmatchedWh: number;
}

/** Usage waiting for allocation at its intermediary's next close-interval. */
export interface PendingUsage {
  readonly key: string;
  readonly intermediary: string;
  readonly consumer: string;
  readonly intervalStart: number;
  wh: number;
}

export interface CertificateRequest {
  readonly id: string;
  readonly consumer: string;
  readonly periodStart: number;
  readonly periodEnd: number;
  readonly requestedBy: string;
  readonly height: number;
}

export interface IntermediaryClock {
  readonly intermediary: string;
  /** Start of the last closed interval. */
  lastClosed: number;
}
