import { WardenError } from '../errors';
import { findSystemTool } from './systemTool';

// tar, the standard tool, packs a parallel backup's directory archive into the one encrypted file and
// unpacks it again (GNU tar on Linux, bsdtar on macOS and Windows 10+ read each other's archives).

export function requireTar(): string {
  const path = findSystemTool('tar');
  if (!path) throw new WardenError('TOOL_MISSING', 'A parallel backup is packed with tar, and tar is not installed here: install it (Debian/Ubuntu: apt install tar), or back up with 1 job.');
  return path;
}
