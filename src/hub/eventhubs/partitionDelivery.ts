// Delivers one partition of the D2C log to one receiver link, strictly within link credit:
// it reads at most min(credit, batch) events at a time, sends them pre-settled, and when it has
// caught up it waits for the log's onAppended notification (the endpoint calls `kick`). A slow
// consumer therefore costs at most its own credit in memory; the socket's write buffer is also
// watched so that a client granting credit without reading cannot make the hub buffer unboundedly.
import type { Sender } from 'rhea';
import type { D2cLog, HubLogger } from '../contracts';
import { AmqpCondition, EndpointError } from './amqpErrors';
import { AmqpWriter } from './amqpWriter';
import { encodeEvent, type RuntimeInfo } from './eventEncoding';
import { connectionSocket, deliveryId, senderFlow } from './rheaInternals';
import { errorText } from '../../core/errorText';

/** Largest single read from the log per link. */
export const READ_BATCH = 512;
/** Above this many bytes queued on the socket, delivery pauses until it drains. */
export const SOCKET_HIGH_WATER_BYTES = 4 * 1024 * 1024;

// rhea keeps these on the link and session objects without typing them. `credit` only drops when
// rhea writes a transfer (on its next tick), so deliveries sent but not yet written are counted here.

export interface PartitionDeliveryOptions {
  sender: Sender;
  d2c: D2cLog;
  partition: number;
  startSequenceNumber: number;
  log: HubLogger;
  /** Adds last-enqueued runtime information (delivery annotations) when the receiver asked for it. */
  runtimeMetrics: boolean;
  /** Calls `resume` once the connection's socket has drained (or closed). */
  whenSocketDrains(resume: () => void): void;
  /** Called once when delivery stops because of an error (the link is closed with it). */
  onFailed(error: EndpointError): void;
}

export class PartitionDelivery {
  private nextSeq: number;
  private running = false;
  private again = false;
  private closed = false;
  private drainRequested = false;
  private waitingForSocket = false;
  /** Ids of this link's deliveries that rhea has not written yet (ascending). */
  private unwritten: number[] = [];
  private unwrittenHead = 0;
  private readonly writer = new AmqpWriter();
  private sent = 0;

  constructor(private readonly o: PartitionDeliveryOptions) {
    this.nextSeq = o.startSequenceNumber;
  }

  get partition(): number {
    return this.o.partition;
  }

  /** Events sent on this link so far. */
  get delivered(): number {
    return this.sent;
  }

  get nextSequenceNumber(): number {
    return this.nextSeq;
  }

  /** Something changed (credit arrived, events appended, drain requested): deliver what is possible. */
  kick(): void {
    if (this.closed) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    void this.run();
  }

  requestDrain(): void {
    this.drainRequested = true;
    this.kick();
  }

  stop(): void {
    this.closed = true;
  }

  private async run(): Promise<void> {
    const { sender, d2c, partition } = this.o;
    try {
      do {
        this.again = false;
        let caughtUp = false;
        for (;;) {
          if (this.closed || this.socketCongested()) break;
          const budget = this.budget();
          if (budget <= 0) break;
          const events = await d2c.read(partition, this.nextSeq, Math.min(budget, READ_BATCH));
          if (this.closed) return;
          if (events.length === 0) {
            caughtUp = true;
            break;
          }
          const runtime: RuntimeInfo | undefined = this.o.runtimeMetrics
            ? { info: d2c.partitionInfo(partition), retrievedAt: Date.now() }
            : undefined;
          // Credit can shrink while we awaited the read; unsent events are read again later.
          let left = this.budget();
          for (const event of events) {
            if (left-- <= 0) break;
            // Pre-encoded bytes, message format 0 (see amqpWriter.ts for why not rhea's encoder).
            this.unwritten.push(deliveryId(sender.send(encodeEvent(event, this.writer, runtime), undefined, 0)));
            this.nextSeq = event.sequenceNumber + 1;
            this.sent++;
          }
        }
        if (this.drainRequested && (caughtUp || this.budget() <= 0)) {
          this.drainRequested = false;
          sender.set_drained(true);
        }
      } while (this.again && !this.closed);
    } catch (e) {
      if (!this.closed) {
        this.closed = true;
        const text = errorText(e);
        this.o.log.error(`Event Hubs endpoint: reading partition ${partition} failed: ${text}`);
        this.o.onFailed(new EndpointError(AmqpCondition.internalError, `Reading partition ${partition} failed: ${text}`));
      }
    } finally {
      this.running = false;
    }
  }

  /** How many more deliveries the link's credit allows right now. */
  private budget(): number {
    const flow = senderFlow(this.o.sender);
    while (this.unwrittenHead < this.unwritten.length && this.unwritten[this.unwrittenHead]! < flow.nextPendingDelivery) {
      this.unwrittenHead++;
    }
    if (this.unwrittenHead > 1024 && this.unwrittenHead * 2 > this.unwritten.length) {
      this.unwritten = this.unwritten.slice(this.unwrittenHead);
      this.unwrittenHead = 0;
    }
    const pending = this.unwritten.length - this.unwrittenHead;
    return Math.min(flow.credit - pending, flow.available);
  }

  private socketCongested(): boolean {
    const socket = connectionSocket(this.o.sender.connection);
    if (socket === undefined || (socket.writableLength ?? 0) < SOCKET_HIGH_WATER_BYTES) return false;
    if (!this.waitingForSocket) {
      this.waitingForSocket = true;
      this.o.whenSocketDrains(() => {
        this.waitingForSocket = false;
        this.kick();
      });
    }
    return true;
  }
}
