// Global data in all three kinds of section: a counter in .bss (zero-initialised, kept across
// reads because the map outlives each read), a step in .data and a label in .rodata. The program
// reads no kernel struct fields, so it needs no CO-RE.
#include "iter_bpf.h"
#include "iter_kernel.h"

char LICENSE[] SEC("license") = "GPL";

int calls;                          /* .bss */
int step = 3;                       /* .data */
const volatile char label[] = "count"; /* .rodata */

SEC("iter/task")
int count_tasks(struct bpf_iter__task *ctx)
{
	struct seq_file *seq = ctx->meta->seq;

	if (ctx->task == NULL) {
		/* The kernel calls the program once more, with no task, when the walk ends. */
		BPF_SEQ_PRINTF(seq, "total %d step %d\n", calls, step);
		return 0;
	}
	calls += step;
	BPF_SEQ_PRINTF(seq, "%s %d\n", label, calls);
	return 0;
}
