import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { extract as tarExtract } from 'tar-stream';
import type { StorageManifest } from '../../contract/storage';
import { ageDecryptStream } from '../crypto/ageStream';
import { HashStream, READ_CHUNK, sha256File } from '../crypto/hashStream';
import { WardenError } from '../errors';

export type ArchivedObject = StorageManifest['objects'][number];

/** An object's name in the archive, and in every list of objects: bucket/path. */
export const objectKey = (o: { bucket: string; path: string }): string => `${o.bucket}/${o.path}`;

/** Passes an object's bytes on and fails at their end unless they are the manifest's (size and SHA-256). */
class CheckedObject extends HashStream {
  constructor(private readonly o: ArchivedObject) {
    super();
  }

  override _flush(callback: (error?: Error | null) => void): void {
    super._flush(() => {
      const { o } = this;
      callback(this.bytes === o.size && this.sha256 === o.sha256 ? null : new WardenError('CONFLICT', `${objectKey(o)} in the archive is not what its manifest records (${this.bytes} bytes, SHA-256 ${this.sha256}; recorded ${o.size}, ${o.sha256}).`));
    });
  }
}

/**
 * Reads a run's Storage archive as its manifest says it is: the file's SHA-256 first, then decrypted as a
 * stream, each tar entry handed to `onEntry` as bytes that fail at their end unless they match the
 * manifest. An entry the manifest does not list stops the read. Returns the manifest's objects the
 * archive lacks (none for a whole archive).
 */
export async function readStorageArchive(args: {
  archive: string;
  manifest: StorageManifest;
  identities: string[];
  signal?: AbortSignal;
  onEntry: (o: ArchivedObject, bytes: Readable) => Promise<void>;
}): Promise<string[]> {
  const { archive, manifest, identities, signal } = args;
  const { sha256 } = await sha256File(archive);
  if (sha256 !== manifest.archive.ciphertextSha256) {
    throw new WardenError('CONFLICT', `${archive} is not the Storage archive this run recorded (SHA-256 ${sha256}, recorded ${manifest.archive.ciphertextSha256}).`);
  }
  const expected = new Map(manifest.objects.map((o) => [objectKey(o), o]));
  const extract = tarExtract();
  const reading = pipeline(createReadStream(archive, { highWaterMark: READ_CHUNK }), ageDecryptStream(identities), extract, { signal });
  try {
    for await (const entry of extract) {
      const o = expected.get(entry.header.name);
      if (!o) throw new WardenError('CONFLICT', `The archive holds ${entry.header.name}, which its manifest does not list: it is not the archive this run wrote.`);
      expected.delete(entry.header.name);
      await args.onEntry(o, entry.pipe(new CheckedObject(o)));
    }
    await reading;
  } catch (error) {
    extract.destroy();
    await reading.catch(() => undefined);
    throw error;
  }
  return [...expected.keys()];
}
