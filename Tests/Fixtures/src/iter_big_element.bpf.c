// An element whose output is larger than the kernel's seq buffer (8 pages since 5.10, one page
// before): the kernel cannot return it and read(2) fails with E2BIG. bpf_seq_write of 4 KiB nine
// times overflows any 8-page buffer of 4 KiB pages; the chunk lives in .rodata.
#include "iter_bpf.h"
#include "iter_kernel.h"

char LICENSE[] SEC("license") = "GPL";

#define CHUNK 4096
#define CHUNKS 9

const volatile char chunk[CHUNK] = { [0 ... CHUNK - 2] = 'x', [CHUNK - 1] = '\n' };

static __always_inline void write_big(struct seq_file *seq)
{
	int i;

	for (i = 0; i < CHUNKS; i++)
		bpf_seq_write(seq, (const void *)chunk, CHUNK);
}

/* The first element is too big: nothing can be read at all. */
SEC("iter/task")
int big_first(struct bpf_iter__task *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct task_struct *task = ctx->task;

	if (task == NULL)
		return 0;
	if (ctx->meta->seq_num == 0)
		write_big(seq);
	else
		BPF_SEQ_PRINTF(seq, "task %d\n", task->pid);
	return 0;
}

/* Three small elements, then a big one: the reader gets their lines, then E2BIG. */
SEC("?iter/task")
int big_later(struct bpf_iter__task *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct task_struct *task = ctx->task;

	if (task == NULL)
		return 0;
	if (ctx->meta->seq_num == 3)
		write_big(seq);
	else
		BPF_SEQ_PRINTF(seq, "task %d\n", task->pid);
	return 0;
}
