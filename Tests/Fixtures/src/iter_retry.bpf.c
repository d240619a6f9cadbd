// Programs that ask the kernel to retry an element (return 1). With nothing in the seq buffer the
// reader's read(2) fails with EAGAIN, and `cat`, like most read loops, stops there; iter retries.
// Each read session (each open of a pin, each BPF_ITER_CREATE) starts its own count, found by the
// session id, so every reader sees the same retries; `.bss` keeps the counts between calls.
#include "iter_bpf.h"
#include "iter_kernel.h"

char LICENSE[] SEC("license") = "GPL";

#define RETRIES 3

__u64 session; /* .bss: the session the counts below belong to */
__u32 retried; /* retries asked for in this session */
__u32 shown;   /* tasks printed in this session */

static __always_inline void start_session(struct bpf_iter_meta *meta)
{
	if (meta->session_id != session) {
		session = meta->session_id;
		retried = 0;
		shown = 0;
	}
}

/* The first element is retried RETRIES times, with nothing buffered: EAGAIN each time. */
SEC("iter/task")
int retry_first(struct bpf_iter__task *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct task_struct *task = ctx->task;

	start_session(ctx->meta);
	if (task == NULL) {
		BPF_SEQ_PRINTF(seq, "done after %u retries\n", retried);
		return 0;
	}
	if (retried < RETRIES) {
		retried++;
		return 1;
	}
	BPF_SEQ_PRINTF(seq, "task %d\n", task->pid);
	return 0;
}

/* The sixth task is retried RETRIES times, after five lines are buffered: the kernel returns
 * those first, then EAGAIN on the next read. */
SEC("?iter/task")
int retry_later(struct bpf_iter__task *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct task_struct *task = ctx->task;

	start_session(ctx->meta);
	if (task == NULL) {
		BPF_SEQ_PRINTF(seq, "done after %u retries\n", retried);
		return 0;
	}
	if (shown == 5 && retried < RETRIES) {
		retried++;
		return 1;
	}
	shown++;
	BPF_SEQ_PRINTF(seq, "task %d\n", task->pid);
	return 0;
}

/* Every element, every time: a reader that retries without a bound never ends. */
SEC("?iter/task")
int retry_always(struct bpf_iter__task *ctx)
{
	return ctx->task ? 1 : 0;
}
