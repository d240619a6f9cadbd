// The C side of iter: kernel UAPI definitions from linux-libc-dev and static inline wrappers for the
// libc calls Swift cannot make directly (variadic functions, macros such as errno, headers that
// Embedded Swift cannot import as Glibc). No logic lives here.
#ifndef CLINUXBPF_H
#define CLINUXBPF_H

#include <linux/bpf.h>
#include <linux/btf.h>
#include <linux/magic.h>
#include <linux/stat.h>
#include <linux/nsfs.h>
#include <linux/sched.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <sys/vfs.h>
#include <time.h>
#include <unistd.h>

#ifndef BPF_FS_MAGIC
#define BPF_FS_MAGIC 0xcafe4a11
#endif

/// memmem is a GNU extension; declaring it here avoids _GNU_SOURCE, which would make these glibc
/// headers differ from the ones Swift's Glibc module was built with (tests import both).
extern void *memmem(const void *haystack, size_t haystack_len, const void *needle, size_t needle_len);

/// bpf(2): glibc has no wrapper, and `syscall` is variadic.
static inline long iter_sys_bpf(int cmd, union bpf_attr *attr, unsigned int size) {
    return syscall(__NR_bpf, cmd, attr, size);
}

/// `errno` is a macro (a thread-local lvalue), which Swift cannot import.
static inline int iter_errno(void) { return errno; }
static inline void iter_set_errno(int value) { errno = value; }

/// open(2) is variadic in glibc.
static inline int iter_open(const char *path, int flags, unsigned int mode) {
    return open(path, flags, mode);
}
static inline int iter_openat(int dirfd, const char *path, int flags, unsigned int mode) {
    return openat(dirfd, path, flags, mode);
}

/// fcntl(2) is variadic.
static inline int iter_fcntl_dupfd_cloexec(int fd, int minimum) {
    return fcntl(fd, F_DUPFD_CLOEXEC, minimum);
}
static inline int iter_fcntl_getfd(int fd) { return fcntl(fd, F_GETFD); }

/// mmap's failure value is a macro cast ((void *)-1).
static inline int iter_mmap_failed(const void *p) { return p == MAP_FAILED; }

/// stdout/stderr are macros in some libcs; we write with write(2) anyway, these are for fflush users.
static inline int iter_stdout_fd(void) { return STDOUT_FILENO; }

/// Read-only mappings of a whole file: used for kernel BTF on kernels that allow it (6.16+).
static inline void *iter_mmap_readonly(int fd, size_t length) {
    return mmap(NULL, length, PROT_READ, MAP_PRIVATE, fd, 0);
}

/// What a stat mode says a file is, without exposing struct stat to Swift: 1 a directory, 2 a
/// regular file, 3 a FIFO, 4 a character device, 5 a block device, 6 a socket, 7 a symbolic link,
/// 0 anything else.
static inline int iter_mode_kind(unsigned int mode) {
    switch (mode & S_IFMT) {
    case S_IFDIR: return 1;
    case S_IFREG: return 2;
    case S_IFIFO: return 3;
    case S_IFCHR: return 4;
    case S_IFBLK: return 5;
    case S_IFSOCK: return 6;
    case S_IFLNK: return 7;
    default: return 0;
    }
}

/// Size and kind (iter_mode_kind) of an open file; -1 with errno set on failure.
static inline long long iter_fstat_size(int fd, int *kind) {
    struct stat st;
    if (fstat(fd, &st) != 0) return -1;
    *kind = iter_mode_kind(st.st_mode);
    return (long long)st.st_size;
}

/// statfs(2) f_type of a path: BPF_FS_MAGIC tells a bpffs directory.
static inline long long iter_statfs_type(const char *path) {
    struct statfs st;
    if (statfs(path, &st) != 0) return -1;
    return (long long)st.f_type;
}

/// Whether a task with this id (a thread or a process) is in the caller's pid namespace:
/// kill(2) with signal 0 checks without sending; EPERM means it exists but is not ours.
static inline int iter_task_exists(int id) {
    return kill(id, 0) == 0 || errno == EPERM;
}

/// fstatfs(2) f_type of an open file.
static inline long long iter_fstatfs_type(int fd) {
    struct statfs st;
    if (fstatfs(fd, &st) != 0) return -1;
    return (long long)st.f_type;
}

/// stat(2) or lstat(2) kind (iter_mode_kind) without exposing struct stat; -1 with errno set.
static inline int iter_path_kind(const char *path, int follow) {
    struct stat st;
    if ((follow ? stat(path, &st) : lstat(path, &st)) != 0) return -1;
    return iter_mode_kind(st.st_mode);
}

/// The id of the mount `path` is on (statx STATX_MNT_ID, Linux 5.8): the first field of its line
/// in /proc/self/mountinfo. -1 with errno set on failure (ENOSYS when the kernel has no mount ids).
static inline int iter_mount_id(const char *path, unsigned long long *id) {
    struct statx sx;
    memset(&sx, 0, sizeof sx);
    if (syscall(SYS_statx, AT_FDCWD, path, 0, STATX_MNT_ID, &sx) != 0) return -1;
    if (!(sx.stx_mask & STATX_MNT_ID)) { errno = ENOSYS; return -1; }
    *id = sx.stx_mnt_id;
    return 0;
}

/// The mount steps of a pin (mount(2) takes a data pointer, NULL here, that Swift would pass as
/// an optional): make one mount private or shared (not recursive), bind a directory on itself,
/// mount bpffs, and set or clear one mount's read-only flag.
static inline int iter_mount_propagation(const char *dir, int shared) {
    return mount("", dir, NULL, shared ? MS_SHARED : MS_PRIVATE, NULL);
}
static inline int iter_mount_bind_self(const char *dir) { return mount(dir, dir, NULL, MS_BIND, NULL); }
static inline int iter_mount_bpffs(const char *dir) { return mount("bpf", dir, "bpf", 0, "mode=0700"); }
static inline int iter_mount_set_readonly(const char *dir, int readonly) {
    return mount("", dir, NULL, MS_REMOUNT | MS_BIND | (readonly ? MS_RDONLY : 0), NULL);
}

/// lstat(2) of a path: its permission bits (st_mode & 07777), owner and group, and whether it is a
/// symbolic link, without exposing struct stat. Returns -1 with errno set on failure.
static inline int iter_lstat_access(const char *path, unsigned int *mode, unsigned int *uid, unsigned int *gid,
                                    int *is_link) {
    struct stat st;
    if (lstat(path, &st) != 0) return -1;
    *mode = (unsigned int)(st.st_mode & 07777);
    *uid = (unsigned int)st.st_uid;
    *gid = (unsigned int)st.st_gid;
    *is_link = S_ISLNK(st.st_mode);
    return 0;
}

/// chmod(2) that never follows a symbolic link at the last component (AT_SYMLINK_NOFOLLOW: the libc
/// refuses a link with EOPNOTSUPP), so a pin swapped for a link cannot redirect the mode.
static inline int iter_chmod_nofollow(const char *path, unsigned int mode) {
    return fchmodat(AT_FDCWD, path, (mode_t)mode, AT_SYMLINK_NOFOLLOW);
}

/// lchown(2); (unsigned)-1 leaves the owner or group as it is.
static inline int iter_lchown(const char *path, unsigned int uid, unsigned int gid) {
    return lchown(path, (uid_t)uid, (gid_t)gid);
}

/// The file mode creation mask, for when /proc/self/status cannot say (umask(2) can only be read
/// by setting it, so it is set back at once).
static inline unsigned int iter_umask_by_syscall(void) {
    mode_t mask = umask(0);
    umask(mask);
    return (unsigned int)mask;
}

static inline unsigned long long iter_stat_dev_ino(const char *path, unsigned long long *ino) {
    struct stat st;
    if (stat(path, &st) != 0) return 0;
    *ino = (unsigned long long)st.st_ino;
    return (unsigned long long)st.st_dev;
}

/// uname(2) release string ("6.1.0-27-cloud-amd64") copied out of struct utsname.
static inline int iter_uname_release(char *buf, size_t size) {
    struct utsname u;
    if (uname(&u) != 0) return -1;
    snprintf(buf, size, "%s", u.release);
    return 0;
}

/// The page size (ring buffers are sized in pages, and an iterator's seq buffer is 8 of them, one
/// before 5.10; arm64 kernels use 4, 16 or 64 KiB pages).
static inline long iter_page_size(void) { return sysconf(_SC_PAGESIZE); }

/// Raise RLIMIT_MEMLOCK: kernels before 5.11 charge BPF memory to it.
static inline int iter_raise_memlock(void) {
    struct rlimit r = { RLIM_INFINITY, RLIM_INFINITY };
    return setrlimit(RLIMIT_MEMLOCK, &r);
}

/// dirent iteration without exposing struct dirent's layout to Swift.
static inline const char *iter_readdir_name(DIR *d, int *is_dir) {
    struct dirent *e = readdir(d);
    if (!e) return NULL;
    *is_dir = e->d_type == DT_DIR;
    return e->d_name;
}

/// Monotonic clock in nanoseconds, for -d timings.
static inline unsigned long long iter_monotonic_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec;
}

/// State shared with the static binaries' SIGSEGV handler (shim.c): whether it is installed,
/// whether a hold is active, and a SIGSEGV sent by another process during a hold.
extern int iter_segv_handled;
extern volatile sig_atomic_t iter_hold_active;
extern volatile sig_atomic_t iter_deferred_segv;

/// The signals that end a process by default and can be blocked: all but SIGKILL and SIGSTOP, the
/// job-control ones (TSTP, TTIN, TTOU, CONT) and those ignored by default (CHLD, URG, WINCH). Real-time
/// signals are included, also the ones glibc and musl reserve for themselves. Where iter handles
/// SIGSEGV (a stack overflow is an error line), it is not blocked: a fault while blocked would be
/// forced on the process past the handler. The handler holds back a SIGSEGV sent by another
/// process instead (iter_deferred_segv).
static inline unsigned long long iter_fatal_signal_mask(void) {
    static const int kept[] = { SIGKILL, SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU, SIGCONT, SIGCHLD, SIGURG, SIGWINCH };
    unsigned long long mask = ~0ull;
    for (unsigned i = 0; i < sizeof kept / sizeof kept[0]; i++) mask &= ~(1ull << (kept[i] - 1));
    if (iter_segv_handled) mask &= ~(1ull << (SIGSEGV - 1));
    return mask;
}

/// Blocks every fatal signal (iter_fatal_signal_mask) and stores the mask it replaced in *saved.
/// The raw system call: libc's sigprocmask refuses to block its reserved real-time signals.
static inline int iter_hold_fatal_signals(unsigned long long *saved) {
    unsigned long long mask = iter_fatal_signal_mask();
    iter_hold_active = 1;
    return (int)syscall(SYS_rt_sigprocmask, SIG_BLOCK, &mask, saved, sizeof mask);
}

/// Puts back the mask iter_hold_fatal_signals replaced; a held signal is delivered now (a held-back
/// SIGSEGV is raised again, at its default action).
static inline int iter_restore_signal_mask(unsigned long long saved) {
    iter_hold_active = 0;
    int result = (int)syscall(SYS_rt_sigprocmask, SIG_SETMASK, &saved, NULL, sizeof saved);
    if (iter_deferred_segv) {
        signal(SIGSEGV, SIG_DFL);
        raise(SIGSEGV);
    }
    return result;
}

/// A held signal that will end the process once released: pending, fatal, not blocked before the
/// hold (`saved`), and left at its default action (nohup's ignored SIGHUP does not count); or a
/// held-back SIGSEGV. 0 if none.
static inline int iter_pending_fatal_signal(unsigned long long saved) {
    if (iter_deferred_segv) return SIGSEGV;
    unsigned long long pending = 0;
    if (syscall(SYS_rt_sigpending, &pending, sizeof pending) != 0) return 0;
    pending &= iter_fatal_signal_mask() & ~saved;
    for (int sig = 1; sig <= 64; sig++) {
        if (!(pending & (1ull << (sig - 1)))) continue;
        struct sigaction action;
        if (sigaction(sig, NULL, &action) == 0 && action.sa_handler != SIG_DFL) continue;
        return sig;
    }
    return 0;
}

/// flock(2) exclusive, without waiting: EWOULDBLOCK while another process holds it.
static inline int iter_try_lock_exclusive(int fd) { return flock(fd, LOCK_EX | LOCK_NB); }

/// Sleeps `ms` milliseconds (a signal cuts it short).
static inline void iter_sleep_ms(unsigned ms) {
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

/// The static binaries wrap the allocator (shim.c): a failed allocation prints
/// `Error: out of memory (...)` (as JSON under -j) and exits with 256 - ENOMEM instead of trapping.
/// iter_reserve_memory sets aside memory given back on the first failure; both do nothing in
/// other builds.
extern void iter_out_of_memory_as_json(int json);
/// The same, from the command line, before Swift has allocated anything.
extern void iter_out_of_memory_as_json_for(int argc, char **argv);
extern void iter_reserve_memory(size_t size);
/// The static binaries also catch a stack overflow (SIGSEGV within the stack's reach, handled on
/// an alternate stack): `Error: out of stack space (...)` and 256 - ENOMEM, as for the heap. Any
/// other SIGSEGV is left to end the process. Does nothing in other builds.
extern void iter_guard_stack(void);

/// Ignore SIGPIPE and SIGXFSZ: a closed stdout (`iter run ... | head`) gives EPIPE, and output to
/// a file past RLIMIT_FSIZE gives EFBIG, as errors to report instead of signals that end iter.
static inline void iter_ignore_write_signals(void) {
    signal(SIGPIPE, SIG_IGN);
    signal(SIGXFSZ, SIG_IGN);
}

/// Waits until `fd` can be written (a non-blocking stdout that is full): 1, or 0 with errno set.
static inline int iter_wait_writable(int fd) {
    struct pollfd p = { .fd = fd, .events = POLLOUT };
    return poll(&p, 1, -1) >= 0;
}

/// Device and inode of an open file: a namespace's identity (what `ls -L -i /proc/PID/ns/net` shows).
static inline int iter_fstat_dev_ino(int fd, unsigned long long *dev, unsigned long long *ino) {
    struct stat st;
    if (fstat(fd, &st) != 0) return -1;
    *dev = (unsigned long long)st.st_dev;
    *ino = (unsigned long long)st.st_ino;
    return 0;
}

/// The CLONE_NEW* type of a namespace file (NS_GET_NSTYPE, 4.11), or -1 with errno set (ENOTTY
/// for a file that is not a namespace). ioctl(2) is variadic.
static inline int iter_ns_type(int fd) { return ioctl(fd, NS_GET_NSTYPE); }

/// Wall-clock time (CLOCK_REALTIME) in nanoseconds since the epoch, for `# pass N TIME` headers.
static inline unsigned long long iter_realtime_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec;
}

// ---- shim.c: what needs a C function body of its own (state, or code that runs after fork) ----

/// Installs handlers for SIGINT and SIGTERM that only record the request: `interval` finishes the
/// pass in flight and stops. Until this is called, both keep their default action.
void iter_stop_install(void);
/// The signal that asked to stop (SIGINT or SIGTERM), or 0.
int iter_stop_requested(void);
/// Sleeps `ns` nanoseconds, or less when a stop is requested (also one that arrived just before:
/// the signals stay blocked from the check until ppoll unblocks them atomically). Returns 1 when a
/// stop was requested.
int iter_stop_sleep(unsigned long long ns);

/// The step of `iter_open_in_namespaces` that failed.
enum iter_ns_step {
    ITER_NS_START = 1,       ///< socketpair(2) or fork(2) in iter
    ITER_NS_ENTER_NET = 2,   ///< setns(2) into the network namespace
    ITER_NS_ENTER_PID = 3,   ///< setns(2) into the pid namespace
    ITER_NS_START_IN_PID = 4,///< fork(2) into the pid namespace (ENOMEM: its init has exited)
    ITER_NS_OPEN = 5,        ///< BPF_ITER_CREATE, or open(2) of the pin
    ITER_NS_NO_ANSWER = 6,   ///< the child exited without an answer
};

/// Opens an iterator's output as seen from other namespaces: the kernel binds a new iterator
/// file to its opener's network and pid namespaces. A child process enters `net_fd` and
/// `pid_fd` (each -1 for none) with setns(2), and for a pid namespace, which applies only to
/// children, forks once more; the last one opens the output (BPF_ITER_CREATE on `link_fd`, or
/// open(2) of `path` when `link_fd` is -1) and passes the descriptor back over a socket. Every
/// child is waited for and dies with iter (PR_SET_PDEATHSIG). Returns the descriptor
/// (close-on-exec), or -1 with errno set and `*failed` the step that failed.
int iter_open_in_namespaces(int net_fd, int pid_fd, int link_fd, const char *path, int *failed);

#endif
