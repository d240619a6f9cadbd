// The few C functions with bodies of their own: a signal flag (state shared by every Swift module,
// which a `static inline` function in the header cannot hold), and the code a forked child runs,
// which must be C: after fork(2) only async-signal-safe calls are allowed, and Swift makes others.
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
