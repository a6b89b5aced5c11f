// Real file systems for the SQLite fault tests (we run as root): a tmpfs that fills up, and an ext4
// image on a loop device that an error remounts read-only. Each is unmounted and released when the
// test ends, failed or not; mount points are fresh temporary directories, never fixed paths.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join } from 'node:path'

interface Teardown {
  teardown: (fn: () => unknown) => void
}

const run = (command: string, args: string[]): string => execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })

function unmount (dir: string): void {
  try {
    run('umount', [dir])
  } catch {
    // Still busy (a child not yet reaped): detach now, the kernel frees it when the last user goes.
    try { run('umount', ['-l', dir]) } catch { /* not mounted */ }
  }
}

/** A tmpfs of `sizeKiB` KiB mounted on a fresh directory; returns the directory. */
export function mountTmpfs (t: Teardown, sizeKiB: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'stripe-router-tmpfs-'))
  run('mount', ['-t', 'tmpfs', '-o', `size=${sizeKiB}k,mode=0755`, 'tmpfs', dir])
  t.teardown(() => {
    unmount(dir)
    rmSync(dir, { recursive: true, force: true })
  })
  return dir
}

export interface Ext4Volume {
  /** Where the file system is mounted (while it is). */
  dir: string
  /** The loop device, e.g. /dev/loop3. */
  device: string
  /** Makes ext4 record an error, as a failing disk would: with errors=remount-ro the journal aborts and the file system turns read-only. */
  triggerError: () => void
  /** Unmounts, runs `e2fsck -fy` (its exit code: 0 clean, 1 errors corrected) and mounts again read-write. */
  checkAndRemount: () => number
}

/** A fresh ext4 file system of `sizeMiB` MiB in an image file on a loop device, mounted with errors=remount-ro. */
export function mountExt4 (t: Teardown, sizeMiB: number): Ext4Volume {
  const home = mkdtempSync(join(tmpdir(), 'stripe-router-ext4-'))
  const image = join(home, 'volume.img')
  const dir = join(home, 'mnt')
  run('truncate', ['-s', `${sizeMiB}M`, image])
  run('mkfs.ext4', ['-q', '-F', image])
  const device = run('losetup', ['-f', '--show', image]).trim()
  const mount = (): void => { run('mount', ['-o', 'errors=remount-ro', device, dir]) }
  run('mkdir', ['-p', dir])
  t.teardown(() => {
    unmount(dir)
    try { run('losetup', ['-d', device]) } catch { /* already released */ }
    rmSync(home, { recursive: true, force: true })
  })
  mount()
  return {
    dir,
    device,
    triggerError: () => { run('sh', ['-c', `echo 1 > /sys/fs/ext4/${basename(device)}/trigger_fs_error`]) },
    checkAndRemount: () => {
      unmount(dir)
      let exitCode = 0
      try {
        run('e2fsck', ['-fy', device])
      } catch (error) {
        exitCode = (error as { status: number }).status
      }
      mount()
      return exitCode
    }
  }
}
