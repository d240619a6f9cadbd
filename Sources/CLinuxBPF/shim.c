// The few C functions with bodies of their own: a signal flag (state shared by every Swift module,
// which a `static inline` function in the header cannot hold), the code a forked child runs,
// which must be C: after fork(2) only async-signal-safe calls are allowed, and Swift makes others;
// and the static binaries' allocator wrappers and stack overflow handler, which run where Swift
// cannot (no memory left, no stack left).
// _GNU_SOURCE for setns(2) and ppoll(2); it applies to this file only, not to the header Swift imports.
#define _GNU_SOURCE
#include <poll.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "CLinuxBPF.h"

// ---- stopping `interval` between passes

static volatile sig_atomic_t iter_stop_signal;

static void iter_stop_handler(int signal) { iter_stop_signal = signal; }

void iter_stop_install(void) {
    struct sigaction action;
    memset(&action, 0, sizeof(action));
    action.sa_handler = iter_stop_handler;
    sigemptyset(&action.sa_mask);
    // No SA_RESTART: a sleep returns at once; reads and writes retry EINTR themselves.
    sigaction(SIGINT, &action, NULL);
    sigaction(SIGTERM, &action, NULL);
}

int iter_stop_requested(void) { return iter_stop_signal; }

int iter_stop_sleep(unsigned long long ns) {
    sigset_t stops, old, waiting;
    sigemptyset(&stops);
    sigaddset(&stops, SIGINT);
    sigaddset(&stops, SIGTERM);
    sigprocmask(SIG_BLOCK, &stops, &old);
    if (!iter_stop_signal && ns > 0) {
        struct timespec ts = { (time_t)(ns / 1000000000ull), (long)(ns % 1000000000ull) };
        waiting = old;
        sigdelset(&waiting, SIGINT);
        sigdelset(&waiting, SIGTERM);
        ppoll(NULL, 0, &ts, &waiting);
    }
    sigprocmask(SIG_SETMASK, &old, NULL);
    return iter_stop_signal != 0;
}

// ---- opening an iterator from inside other namespaces

struct iter_ns_answer {
    int failed; // enum iter_ns_step, 0 when `fd` came with it
    int error;
};

// Sends the answer, with `fd` attached when it is >= 0. Runs in a child: async-signal-safe only.
static void iter_ns_answer(int sock, int failed, int error, int fd) {
    struct iter_ns_answer answer = { failed, error };
    struct iovec iov = { &answer, sizeof(answer) };
    union {
        char bytes[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } control;
    struct msghdr message;
    memset(&message, 0, sizeof(message));
    message.msg_iov = &iov;
    message.msg_iovlen = 1;
    if (fd >= 0) {
        memset(&control, 0, sizeof(control));
        message.msg_control = control.bytes;
        message.msg_controllen = sizeof(control.bytes);
        struct cmsghdr *header = CMSG_FIRSTHDR(&message);
        header->cmsg_level = SOL_SOCKET;
        header->cmsg_type = SCM_RIGHTS;
        header->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(header), &fd, sizeof(int));
    }
    while (sendmsg(sock, &message, MSG_NOSIGNAL) < 0 && errno == EINTR) {}
}

// Opens the iterator's output in the namespaces this process is in, and sends it back.
static void iter_ns_open_and_answer(int sock, int link_fd, const char *path) {
    int fd;
    if (link_fd >= 0) {
        // The one bpf(2) that does not go through SyscallBPF's BPFSyscall: it runs in a forked
        // child, where Swift code may not run; it uses the same wrapper.
        union bpf_attr attr;
        memset(&attr, 0, sizeof(attr));
        attr.iter_create.link_fd = (unsigned int)link_fd;
        fd = (int)iter_sys_bpf(BPF_ITER_CREATE, &attr, sizeof(attr));
    } else {
        // O_NONBLOCK: a FIFO put where the pin was must not block the child (iterator reads ignore it).
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    }
    if (fd < 0) iter_ns_answer(sock, ITER_NS_OPEN, errno, -1);
    else iter_ns_answer(sock, 0, 0, fd);
}

// Waits for `child`, retrying EINTR.
static void iter_ns_reap(pid_t child) {
    while (waitpid(child, NULL, 0) < 0 && errno == EINTR) {}
}

// The child: enters the namespaces, opens, answers, exits. Never returns.
static void iter_ns_child(int sock, pid_t parent, int net_fd, int pid_fd, int link_fd, const char *path) {
    // Die with iter; if iter is already gone, stop here.
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent) _exit(1);
    if (net_fd >= 0 && setns(net_fd, CLONE_NEWNET) != 0) {
        iter_ns_answer(sock, ITER_NS_ENTER_NET, errno, -1);
        _exit(0);
    }
    if (pid_fd < 0) {
        iter_ns_open_and_answer(sock, link_fd, path);
        _exit(0);
    }
    if (setns(pid_fd, CLONE_NEWPID) != 0) {
        iter_ns_answer(sock, ITER_NS_ENTER_PID, errno, -1);
        _exit(0);
    }
    pid_t reader = fork();
    if (reader < 0) {
        iter_ns_answer(sock, ITER_NS_START_IN_PID, errno, -1);
        _exit(0);
    }
    if (reader == 0) {
        // Its parent waits for it below; it cannot see that parent's pid (getppid is 0 across
        // the namespace boundary), so the death signal is all there is to check.
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        iter_ns_open_and_answer(sock, link_fd, path);
        _exit(0);
    }
    iter_ns_reap(reader);
    _exit(0);
}

int iter_open_in_namespaces(int net_fd, int pid_fd, int link_fd, const char *path, int *failed) {
    int sockets[2];
    *failed = ITER_NS_START;
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sockets) != 0) return -1;
    pid_t parent = getpid();
    pid_t child = fork();
    if (child < 0) {
        int error = errno;
        close(sockets[0]);
        close(sockets[1]);
        errno = error;
        return -1;
    }
    if (child == 0) {
        close(sockets[0]);
        iter_ns_child(sockets[1], parent, net_fd, pid_fd, link_fd, path);
    }
    close(sockets[1]);

    struct iter_ns_answer answer = { ITER_NS_NO_ANSWER, ECHILD };
    struct iovec iov = { &answer, sizeof(answer) };
    union {
        char bytes[CMSG_SPACE(sizeof(int))];
        struct cmsghdr align;
    } control;
    memset(&control, 0, sizeof(control));
    struct msghdr message;
    memset(&message, 0, sizeof(message));
    message.msg_iov = &iov;
    message.msg_iovlen = 1;
    message.msg_control = control.bytes;
    message.msg_controllen = sizeof(control.bytes);
    ssize_t received;
    // Returns 0 (end of file) when every child has exited without an answer.
    while ((received = recvmsg(sockets[0], &message, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR) {}
    int error = errno;
    close(sockets[0]);
    iter_ns_reap(child);

    int fd = -1;
    struct cmsghdr *header = received > 0 ? CMSG_FIRSTHDR(&message) : NULL;
    if (header && header->cmsg_level == SOL_SOCKET && header->cmsg_type == SCM_RIGHTS &&
        header->cmsg_len == CMSG_LEN(sizeof(int)))
        memcpy(&fd, CMSG_DATA(header), sizeof(int));
    if (received < 0) {
        errno = error;
        *failed = ITER_NS_NO_ANSWER;
        return -1;
    }
    if (received != (ssize_t)sizeof(answer) || answer.failed != 0 || fd < 0) {
        if (fd >= 0) close(fd);
        *failed = received == (ssize_t)sizeof(answer) && answer.failed != 0 ? answer.failed : ITER_NS_NO_ANSWER;
        errno = received == (ssize_t)sizeof(answer) && answer.failed != 0 ? answer.error : ECHILD;
        return -1;
    }
    *failed = 0;
    return fd;
}

// ---- running out of memory or stack (the static binaries)

int iter_out_of_memory_json = 0;

void iter_out_of_memory_as_json(int json) { iter_out_of_memory_json = json; }

void iter_out_of_memory_as_json_for(int argc, char **argv) {
    // Before anything is allocated: the words GlobalOptions.wantsJSON looks for.
    for (int i = 1; i < argc && argv && argv[i]; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-j") || !strcmp(a, "--json") || !strcmp(a, "-p") || !strcmp(a, "--pretty")) iter_out_of_memory_json = 1;
    }
}

int iter_segv_handled = 0;
volatile sig_atomic_t iter_hold_active = 0;
volatile sig_atomic_t iter_deferred_segv = 0;

#ifdef ITER_WRAP_ALLOCATOR
// The static builds link with --wrap=malloc,calloc,realloc,posix_memalign (scripts/build-static.sh):
// every allocation, Swift's and libc's, comes here first. Embedded Swift traps when an allocation
// fails, which would end iter with SIGILL; instead a failed allocation first gives back a reserve
// (so that a pin in progress can finish or undo its mount steps) and is tried again, and if it
// still fails iter says so and exits with 256 - ENOMEM, like any failed system call.
void *__real_malloc(size_t size);
void *__real_calloc(size_t count, size_t size);
void *__real_realloc(void *p, size_t size);
int __real_posix_memalign(void **p, size_t alignment, size_t size);

/// Given back on the first failed allocation.
static void *reserve;

void iter_reserve_memory(size_t size) {
    if (!reserve) reserve = __real_malloc(size);
}

static int give_back_reserve(void) {
    if (!reserve) return 0;
    free(reserve);
    reserve = NULL;
    return 1;
}

static void write_all(int fd, const char *text, size_t length) {
    while (length > 0) {
        ssize_t n = write(fd, text, length);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;
        text += n;
        length -= (size_t)n;
    }
}

__attribute__((noreturn)) static void out_of_memory(size_t size) {
    // No allocation from here on: the message is formatted into a stack buffer.
    char digits[24];
    int n = 0;
    do { digits[n++] = (char)('0' + size % 10); size /= 10; } while (size > 0 && n < 24);
    char line[96];
    size_t at = 0;
    const char *head = iter_out_of_memory_json ? "{\"error\":\"out of memory (an allocation of " : "Error: out of memory (an allocation of ";
    for (const char *p = head; *p; p++) line[at++] = *p;
    while (n > 0) line[at++] = digits[--n];
    const char *tail = iter_out_of_memory_json ? " bytes failed)\"}\n" : " bytes failed)\n";
    for (const char *p = tail; *p; p++) line[at++] = *p;
    write_all(iter_out_of_memory_json ? STDOUT_FILENO : STDERR_FILENO, line, at);
    _exit(256 - ENOMEM);
}

void *__wrap_malloc(size_t size) {
    void *p = __real_malloc(size);
    if (!p && size > 0 && give_back_reserve()) p = __real_malloc(size);
    if (!p && size > 0) out_of_memory(size);
    return p;
}

void *__wrap_calloc(size_t count, size_t size) {
    void *p = __real_calloc(count, size);
    if (!p && count > 0 && size > 0 && give_back_reserve()) p = __real_calloc(count, size);
    if (!p && count > 0 && size > 0) out_of_memory(count > SIZE_MAX / size ? SIZE_MAX : count * size);
    return p;
}

void *__wrap_realloc(void *old, size_t size) {
    void *p = __real_realloc(old, size);
    if (!p && size > 0 && give_back_reserve()) p = __real_realloc(old, size);
    if (!p && size > 0) out_of_memory(size);
    return p;
}

int __wrap_posix_memalign(void **p, size_t alignment, size_t size) {
    int result = __real_posix_memalign(p, alignment, size);
    if (result == ENOMEM && give_back_reserve()) result = __real_posix_memalign(p, alignment, size);
    if (result == ENOMEM) out_of_memory(size);
    return result;
}

// A stack overflow is a fault just below the stack, within RLIMIT_STACK (and the kernel's guard
// gap, 1 MiB by default) of its top; the handler runs on a stack of its own.
static uintptr_t stack_top;
static char handler_stack[32768];

static void append(char *line, size_t *at, const char *text) {
    while (*text) line[(*at)++] = *text++;
}

static void append_number(char *line, size_t *at, unsigned long long value) {
    char digits[24];
    int n = 0;
    do { digits[n++] = (char)('0' + value % 10); value /= 10; } while (value > 0 && n < 24);
    while (n > 0) line[(*at)++] = digits[--n];
}

static void on_fault(int sig, siginfo_t *info, void *context) {
    (void)context;
    if (info->si_code <= 0) {
        // Sent by another process (kill, sigqueue), not a fault: held back during a hold, like
        // every other fatal signal, else taken at its default action.
        if (iter_hold_active) {
            iter_deferred_segv = 1;
            return;
        }
        signal(sig, SIG_DFL);
        raise(sig);
        return;
    }
    uintptr_t address = (uintptr_t)info->si_addr;
    struct rlimit limit;
    unsigned long long stack = getrlimit(RLIMIT_STACK, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY
        ? (unsigned long long)limit.rlim_cur : 1ull << 30;
    if (address < stack_top && stack_top - address <= stack + (2u << 20)) {
        char line[128];
        size_t at = 0;
        append(line, &at, iter_out_of_memory_json ? "{\"error\":\"out of stack space (the stack limit is "
                                                  : "Error: out of stack space (the stack limit is ");
        append_number(line, &at, stack);
        append(line, &at, iter_out_of_memory_json ? " bytes)\"}\n" : " bytes)\n");
        write_all(iter_out_of_memory_json ? STDOUT_FILENO : STDERR_FILENO, line, at);
        _exit(256 - ENOMEM);
    }
    // Not the stack: a bug. Fault again with the default action, for a core dump.
    signal(sig, SIG_DFL);
}

void iter_guard_stack(void) {
    char here;
    stack_top = (uintptr_t)&here;
    stack_t alternate = { .ss_sp = handler_stack, .ss_size = sizeof handler_stack, .ss_flags = 0 };
    if (sigaltstack(&alternate, NULL) != 0) return;
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = on_fault;
    action.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&action.sa_mask);
    if (sigaction(SIGSEGV, &action, NULL) == 0) iter_segv_handled = 1;
}
#else
void iter_reserve_memory(size_t size) { (void)size; }
void iter_guard_stack(void) {}
#endif
