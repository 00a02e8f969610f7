/**
 * The attachment map (state/attachments.ts: attachment id → parent record, which v1's downloadFile/deleteFile need
 * and v2 addresses by) shared by every replica: one Redis hash per upstream (its identity scope, zoho/identity.ts; never a profile name two orgs share), field = attachment id, value =
 * `{"m": module, "r": record id}`. Kept like the file map beside a single proxy's journal: without expiry (an
 * attachment may be downloaded years after its upload); about 80 bytes per attachment.
 */
import type { AttachmentIndex, AttachmentParent } from '../attachments.js';
import type { RedisConnection } from './connection.js';

export class RedisAttachmentIndex implements AttachmentIndex {
  constructor(private readonly conn: RedisConnection) {}

  async lookup(scope: string, attachmentId: string): Promise<AttachmentParent | undefined> {
    const text = await this.conn.run('attachments.get', (r) => r.hget(this.key(scope), attachmentId));
    if (text === null) return undefined;
    try {
      const v = JSON.parse(text) as { m?: unknown; r?: unknown };
      return typeof v.m === 'string' && typeof v.r === 'string' ? { module: v.m, recordId: v.r } : undefined;
    } catch {
      return undefined;
    }
  }

  async remember(scope: string, attachmentId: string, parent: AttachmentParent): Promise<void> {
    const value = JSON.stringify({ m: parent.module, r: parent.recordId });
    // Best effort (see AttachmentIndex): the upload it follows already happened and must be answered.
    await this.conn.run('attachments.set', (r) => r.hset(this.key(scope), attachmentId, value)).catch(() => undefined);
  }

  async forget(scope: string, attachmentId: string): Promise<void> {
    await this.conn.run('attachments.delete', (r) => r.hdel(this.key(scope), attachmentId)).catch(() => undefined);
  }

  private key(scope: string): string {
    return `${this.conn.prefix}attachments:${scope}`;
  }
}
