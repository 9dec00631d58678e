/**
 * The two flags every descriptor-making call in src/ffi takes: close-on-exec
 * and non-blocking.
 *
 * On x86_64 the kernel gives them one value across the calls: O_CLOEXEC,
 * SOCK_CLOEXEC, EFD_CLOEXEC, TFD_CLOEXEC, IN_CLOEXEC and EPOLL_CLOEXEC are all
 * 0o2000000, and O_NONBLOCK, SOCK_NONBLOCK, EFD_NONBLOCK, TFD_NONBLOCK,
 * IN_NONBLOCK and PIDFD_NONBLOCK are all 0o4000 (the socket, eventfd, timerfd,
 * inotify, epoll and pidfd headers define theirs as the O_ ones). Other
 * architectures differ (O_NONBLOCK is 0o200 on alpha and 0x80 on mips), so
 * these are x86_64's, like the rest of src/ffi.
 *
 * @module
 */

/** close-on-exec and non-blocking bits, the same for open, socket, eventfd, timerfd, inotify, epoll and pidfd_open (x86_64). */
export const DescriptorFlags = {
  /** O_CLOEXEC = SOCK_CLOEXEC = EFD_CLOEXEC = TFD_CLOEXEC = IN_CLOEXEC = EPOLL_CLOEXEC. */
  CLOEXEC: 0o2000000,
  /** O_NONBLOCK = SOCK_NONBLOCK = EFD_NONBLOCK = TFD_NONBLOCK = IN_NONBLOCK = PIDFD_NONBLOCK. */
  NONBLOCK: 0o4000,
} as const;
