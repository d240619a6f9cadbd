// CLinuxBPF is mostly header-only (static inline wrappers); this file holds the little state the
// static release binary's allocation wrappers need.
#include "CLinuxBPF.h"

int iter_out_of_memory_json = 0;

void iter_out_of_memory_as_json(int json) { iter_out_of_memory_json = json; }

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
#else
void iter_reserve_memory(size_t size) { (void)size; }
#endif
