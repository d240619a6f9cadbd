// CLinuxBPF is mostly header-only (static inline wrappers); this file holds the little state the
// static release binary's allocation wrappers need.
#include "CLinuxBPF.h"

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
