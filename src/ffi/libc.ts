/**
 * The one symbol table of askpw: every libc function the program calls.
 *
 * Nothing outside `src/ffi/` calls `Deno.dlopen` or handles raw pointers; the
 * typed wrappers in this folder (one file per topic) are the only users of
 * {@linkcode libc}. Each parameter carries its C declaration in a comment.
 *
 * @module
 */

/** The libc functions askpw calls, each parameter with its C declaration. */
export const libcSymbols = {
  // Errors
  __errno_location: { parameters: [], result: "pointer" }, // int *__errno_location(void)
  strerrorname_np: { parameters: ["i32"], result: "pointer" }, // const char *strerrorname_np(int errnum)
  strerror: { parameters: ["i32"], result: "pointer" }, // char *strerror(int errnum)

  // Files and descriptors
  open: {
    parameters: [
      "buffer", // const char *pathname
      "i32", // int flags
      "u32", // mode_t mode
    ],
    result: "i32",
  },
  close: { parameters: ["i32"], result: "i32" }, // int close(int fd)
  fcntl: {
    parameters: [
      "i32", // int fd
      "i32", // int cmd
      "i64", // long arg (F_SETFL's flags)
    ],
    result: "i32",
  },
  read: {
    parameters: [
      "i32", // int fd
      "buffer", // void *buf
      "usize", // size_t count
    ],
    result: "isize",
  },
  write: {
    parameters: [
      "i32", // int fd
      "buffer", // const void *buf
      "usize", // size_t count
    ],
    result: "isize",
  },
  fstat: {
    parameters: [
      "i32", // int fd
      "buffer", // struct stat *statbuf (144 bytes on x86_64)
    ],
    result: "i32",
  },
  lstat: {
    parameters: [
      "buffer", // const char *pathname
      "buffer", // struct stat *statbuf
    ],
    result: "i32",
  },
  fstatfs: {
    parameters: [
      "i32", // int fd
      "buffer", // struct statfs *buf (120 bytes on x86_64)
    ],
    result: "i32",
  },
  name_to_handle_at: {
    parameters: [
      "i32", // int dirfd
      "buffer", // const char *pathname
      "buffer", // struct file_handle *handle
      "buffer", // int *mount_id
      "i32", // int flags
    ],
    result: "i32",
  },
  renameat2: {
    parameters: [
      "i32", // int olddirfd
      "buffer", // const char *oldpath
      "i32", // int newdirfd
      "buffer", // const char *newpath
      "u32", // unsigned int flags
    ],
    result: "i32",
  },
  utimensat: {
    parameters: [
      "i32", // int dirfd
      "buffer", // const char *pathname
      "pointer", // const struct timespec times[2] (NULL: now)
      "i32", // int flags
    ],
    result: "i32",
  },
  unlink: { parameters: ["buffer"], result: "i32" }, // int unlink(const char *pathname)
  realpath: {
    parameters: [
      "buffer", // const char *path
      "buffer", // char *resolved_path (PATH_MAX = 4096 bytes)
    ],
    result: "pointer",
  },
  umask: { parameters: ["u32"], result: "u32" }, // mode_t umask(mode_t mask)
  getdents64: {
    parameters: [
      "i32", // int fd
      "buffer", // void *dirp
      "usize", // size_t count
    ],
    result: "isize", // ssize_t
  },
  readlink: {
    parameters: [
      "buffer", // const char *pathname
      "buffer", // char *buf
      "usize", // size_t bufsiz
    ],
    result: "isize",
  },
  access: {
    parameters: [
      "buffer", // const char *pathname
      "i32", // int mode
    ],
    result: "i32",
  },
  ioctl: {
    parameters: [
      "i32", // int fd
      "u64", // unsigned long request
      "usize", // the argument: an int or a pointer, passed as a machine word
    ],
    result: "i32",
  },

  // Waiting
  poll: {
    parameters: [
      "buffer", // struct pollfd *fds (8 bytes each)
      "u64", // nfds_t nfds
      "i32", // int timeout (ms, -1 = forever)
    ],
    result: "i32",
  },
  poll_blocking: {
    name: "poll",
    // The same poll(2) on a worker thread, for tests and tools that play
    // askers and consoles; askpw itself only ever blocks in epoll_wait.
    nonblocking: true,
    parameters: [
      "buffer", // struct pollfd *fds
      "u64", // nfds_t nfds
      "i32", // int timeout
    ],
    result: "i32",
  },
  eventfd: {
    parameters: [
      "u32", // unsigned int initval
      "i32", // int flags
    ],
    result: "i32",
  },
  epoll_create1: { parameters: ["i32"], result: "i32" }, // int epoll_create1(int flags)
  epoll_ctl: {
    parameters: [
      "i32", // int epfd
      "i32", // int op
      "i32", // int fd
      "buffer", // struct epoll_event *event (12 bytes, packed on x86_64)
    ],
    result: "i32",
  },
  epoll_wait_blocking: {
    name: "epoll_wait",
    // The one call askpw blocks in: it runs on one worker thread so the JS
    // event loop keeps running while every descriptor askpw holds is waited for.
    nonblocking: true,
    parameters: [
      "i32", // int epfd
      "buffer", // struct epoll_event *events
      "i32", // int maxevents
      "i32", // int timeout (ms, -1 = forever)
    ],
    result: "i32",
  },
  timerfd_create: {
    parameters: [
      "i32", // int clockid
      "i32", // int flags
    ],
    result: "i32",
  },
  timerfd_settime: {
    parameters: [
      "i32", // int fd
      "i32", // int flags
      "buffer", // const struct itimerspec *new_value (32 bytes)
      "pointer", // struct itimerspec *old_value (NULL)
    ],
    result: "i32",
  },

  // Clocks and processes
  clock_gettime: {
    parameters: [
      "i32", // clockid_t clockid
      "buffer", // struct timespec *tp (16 bytes)
    ],
    result: "i32",
  },
  syscall3: {
    name: "syscall",
    // long syscall(long number, ...): used for pidfd_open, which glibc < 2.36 lacks.
    parameters: ["i64", "i64", "i64"], // long number, long arg1, long arg2
    result: "i64",
  },
  syscall6: {
    name: "syscall",
    // long syscall(long number, ...): add_key, request_key and keyctl, which
    // glibc does not wrap (libkeyutils does; askpw does not link it).
    parameters: ["i64", "i64", "i64", "i64", "i64", "i64"], // long number, long arg1 … arg5
    result: "i64",
  },
  getpid: { parameters: [], result: "i32" }, // pid_t getpid(void)
  geteuid: { parameters: [], result: "u32" }, // uid_t geteuid(void)
  prctl: {
    parameters: [
      "i32", // int option
      "u64", // unsigned long arg2
      "u64", // unsigned long arg3
      "u64", // unsigned long arg4
      "u64", // unsigned long arg5
    ],
    result: "i32",
  },
  getuid: { parameters: [], result: "u32" }, // uid_t getuid(void)
  klogctl: {
    parameters: [
      "i32", // int type
      "buffer", // char *bufp
      "i32", // int len
    ],
    result: "i32",
  },

  // Memory for secrets
  mmap: {
    parameters: [
      "pointer", // void *addr (NULL)
      "usize", // size_t length
      "i32", // int prot
      "i32", // int flags
      "i32", // int fd
      "i64", // off_t offset
    ],
    result: "pointer",
  },
  munmap: {
    parameters: [
      "pointer", // void *addr
      "usize", // size_t length
    ],
    result: "i32",
  },
  mlock: {
    parameters: [
      "pointer", // const void *addr
      "usize", // size_t len
    ],
    result: "i32",
  },
  malloc_trim: { parameters: ["usize"], result: "i32" }, // int malloc_trim(size_t pad)
  madvise: {
    parameters: [
      "pointer", // void *addr
      "usize", // size_t length
      "i32", // int advice
    ],
    result: "i32",
  },

  // Sockets
  socket: {
    parameters: [
      "i32", // int domain
      "i32", // int type
      "i32", // int protocol
    ],
    result: "i32",
  },
  bind: {
    parameters: [
      "i32", // int sockfd
      "buffer", // const struct sockaddr *addr
      "u32", // socklen_t addrlen
    ],
    result: "i32",
  },
  connect: {
    parameters: [
      "i32", // int sockfd
      "buffer", // const struct sockaddr *addr
      "u32", // socklen_t addrlen
    ],
    result: "i32",
  },
  listen: {
    parameters: [
      "i32", // int sockfd
      "i32", // int backlog
    ],
    result: "i32",
  },
  accept4: {
    parameters: [
      "i32", // int sockfd
      "pointer", // struct sockaddr *addr (NULL)
      "pointer", // socklen_t *addrlen (NULL)
      "i32", // int flags
    ],
    result: "i32",
  },
  sendto: {
    parameters: [
      "i32", // int sockfd
      "buffer", // const void *buf
      "usize", // size_t len
      "i32", // int flags
      "buffer", // const struct sockaddr *dest_addr
      "u32", // socklen_t addrlen
    ],
    result: "isize",
  },
  send: {
    parameters: [
      "i32", // int sockfd
      "buffer", // const void *buf
      "usize", // size_t len
      "i32", // int flags
    ],
    result: "isize",
  },
  recvmsg: {
    parameters: [
      "i32", // int sockfd
      "buffer", // struct msghdr *msg (56 bytes)
      "i32", // int flags
    ],
    result: "isize",
  },
  sendmsg: {
    parameters: [
      "i32", // int sockfd
      "buffer", // const struct msghdr *msg
      "i32", // int flags
    ],
    result: "isize",
  },
  recv: {
    parameters: [
      "i32", // int sockfd
      "buffer", // void *buf
      "usize", // size_t len
      "i32", // int flags
    ],
    result: "isize",
  },
  setsockopt: {
    parameters: [
      "i32", // int sockfd
      "i32", // int level
      "i32", // int optname
      "buffer", // const void *optval
      "u32", // socklen_t optlen
    ],
    result: "i32",
  },
  getsockopt: {
    parameters: [
      "i32", // int sockfd
      "i32", // int level
      "i32", // int optname
      "buffer", // void *optval
      "buffer", // socklen_t *optlen
    ],
    result: "i32",
  },

  // Inotify
  inotify_init1: { parameters: ["i32"], result: "i32" }, // int inotify_init1(int flags)
  inotify_rm_watch: {
    parameters: [
      "i32", // int fd
      "i32", // int wd
    ],
    result: "i32",
  },
  inotify_add_watch: {
    parameters: [
      "i32", // int fd
      "buffer", // const char *pathname
      "u32", // uint32_t mask
    ],
    result: "i32",
  },

  // Terminals
  tcgetattr: {
    parameters: [
      "i32", // int fd
      "buffer", // struct termios *termios_p (glibc: 60 bytes)
    ],
    result: "i32",
  },
  tcsetattr: {
    parameters: [
      "i32", // int fd
      "i32", // int optional_actions
      "buffer", // const struct termios *termios_p
    ],
    result: "i32",
  },
  tcflush: {
    parameters: [
      "i32", // int fd
      "i32", // int queue_selector
    ],
    result: "i32",
  },
  isatty: { parameters: ["i32"], result: "i32" }, // int isatty(int fd)
  posix_openpt: { parameters: ["i32"], result: "i32" }, // int posix_openpt(int flags)
  grantpt: { parameters: ["i32"], result: "i32" }, // int grantpt(int fd)
  unlockpt: { parameters: ["i32"], result: "i32" }, // int unlockpt(int fd)
  ptsname_r: {
    parameters: [
      "i32", // int fd
      "buffer", // char *buf
      "usize", // size_t buflen
    ],
    result: "i32",
  },
} as const satisfies Deno.ForeignLibraryInterface;

/** The functions of {@linkcode libcSymbols}, as Deno binds them. */
export type LibcFunctions = Deno.DynamicLibrary<typeof libcSymbols>["symbols"];
type LibcName = keyof typeof libcSymbols;

/**
 * Binds one function: Deno builds a call stub for each symbol it binds, about
 * 0.2 ms apiece on a fast CPU (64 symbols bound at once cost 13-20 ms of
 * askpw's start-up), so each is bound on its first call instead. The library
 * stays open: the binding lives as long as the process.
 */
function bind<Name extends LibcName>(name: Name): LibcFunctions[Name] {
  const definition = { [name]: libcSymbols[name] } as Pick<typeof libcSymbols, Name>;
  return Deno.dlopen("libc.so.6", definition).symbols[name] as LibcFunctions[Name];
}

const functions = {} as LibcFunctions;
for (const name of Object.keys(libcSymbols) as LibcName[]) {
  Object.defineProperty(functions, name, {
    configurable: true,
    enumerable: true,
    get() {
      // From then on a plain property: no getter on later calls.
      const bound = bind(name);
      Object.defineProperty(functions, name, { value: bound, enumerable: true });
      return bound;
    },
  });
}
// Read right after a failed call: binding it then could itself change errno.
void functions.__errno_location;

/**
 * The C library with askpw's symbol table, each function bound on its first
 * call; only `src/ffi/` uses it.
 */
export const libc: { readonly symbols: LibcFunctions } = { symbols: functions };
