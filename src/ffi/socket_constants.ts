/**
 * Socket constants shared by the AF_UNIX and netlink wrappers.
 *
 * @module
 */
import { DescriptorFlags } from "./descriptor_flags.ts";

/** Socket constants (x86_64, asm-generic numbers). */
export const SocketConstants = {
  AF_UNIX: 1,
  SOCK_STREAM: 1,
  SOCK_DGRAM: 2,
  SOCK_NONBLOCK: DescriptorFlags.NONBLOCK,
  SOCK_CLOEXEC: DescriptorFlags.CLOEXEC,
  SOL_SOCKET: 1,
  SO_PASSCRED: 16,
  SO_PEERCRED: 17,
  SO_PASSPIDFD: 76,
  SO_PEERPIDFD: 77,
  SO_PASSRIGHTS: 83,
  SCM_RIGHTS: 1,
  SCM_CREDENTIALS: 2,
  SCM_PIDFD: 4,
  MSG_CTRUNC: 0x8,
  MSG_TRUNC: 0x20,
  MSG_DONTWAIT: 0x40,
  MSG_NOSIGNAL: 0x4000,
  MSG_CMSG_CLOEXEC: 0x40000000,
} as const;
