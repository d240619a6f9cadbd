// A program array initialised as libbpf's selftests do it (test_prog_array_init.c):
// __array(values, int (void *)) and `.values = { [0] = &tail_a, [1] = &tail_b }`. The tail-call
// targets are task iterators too (a tail call needs the caller's program type, attach type and
// attach target: tracing, BPF_TRACE_ITER, task), in `?` sections so they are loaded only because
// the program array needs them. On the first task, dump_task prints "main" and tail-calls slot
// 0; tail_a prints "tail_a pid P" (P: the first task's pid) and tail-calls slot 1; tail_b prints
// "tail_b". Nothing is printed for the other tasks. The kernel empties a program array when its
// last user reference goes (fds closed, no pin), so a loader that exits after pinning the
// iterator must keep the array pinned, or reads print "main" then "tail call 0 failed".
#include "iter_bpf.h"
#include "iter_kernel.h"
#include "iter_progs.h"

char LICENSE[] SEC("license") = "GPL";

/* Declared here, defined after the programs: clang orders the sections by when it first meets
 * each function, and an initialiser naming tail_a before dump_task is defined would put the
 * `?iter/task` section first. */
struct jmp_table_def {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 2);
	__uint(key_size, sizeof(__u32));
	__array(values, int (void *));
};
extern struct jmp_table_def jmp_table;

SEC("iter/task")
int dump_task(struct bpf_iter__task *ctx)
{
	if (ctx->task == NULL || ctx->meta->seq_num != 0)
		return 0;
	BPF_SEQ_PRINTF(ctx->meta->seq, "main\n");
	bpf_tail_call(ctx, &jmp_table, 0);
	BPF_SEQ_PRINTF(ctx->meta->seq, "tail call 0 failed\n");
	return 0;
}

SEC("?iter/task")
int tail_a(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;

	if (task == NULL || ctx->meta->seq_num != 0)
		return 0;
	BPF_SEQ_PRINTF(ctx->meta->seq, "tail_a pid %d\n", task->pid);
	bpf_tail_call(ctx, &jmp_table, 1);
	BPF_SEQ_PRINTF(ctx->meta->seq, "tail call 1 failed\n");
	return 0;
}

SEC("?iter/task")
int tail_b(struct bpf_iter__task *ctx)
{
	if (ctx->task == NULL || ctx->meta->seq_num != 0)
		return 0;
	BPF_SEQ_PRINTF(ctx->meta->seq, "tail_b\n");
	return 0;
}

struct jmp_table_def jmp_table SEC(".maps") = {
	.values = {
		[0] = (void *)&tail_a,
		[1] = (void *)&tail_b,
	},
};
