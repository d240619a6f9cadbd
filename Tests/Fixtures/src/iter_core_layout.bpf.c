// CO-RE against a layout that is deliberately wrong: the local task_struct has its fields in
// another order, one left out, a flavor suffix, and a field the kernel does not have. The loader
// must still read the right pid, tgid and comm, and answer existence, enum, size and bitfield
// questions with the running kernel's values.
#include "iter_bpf.h"
#include "iter_kernel.h"
#include "iter_core.h"

char LICENSE[] SEC("license") = "GPL";

struct task_struct___reordered {
	char comm[16];
	int tgid;
	int pid;
	/* group_leader left out; a field no kernel has: */
	int iter_no_such_field;
	unsigned int sched_reset_on_fork:1; /* a bitfield, wherever the kernel puts it */
} __attribute__((preserve_access_index));

enum bpf_map_type___local {
	BPF_MAP_TYPE_ARRAY___local = 1, /* the kernel's value is 2 */
};

struct iter_no_such_type {
	int x;
} __attribute__((preserve_access_index));

SEC("iter/task")
int dump_task_reordered(struct bpf_iter__task *ctx)
{
	struct task_struct___reordered *task = (void *)ctx->task;
	struct seq_file *seq = ctx->meta->seq;

	if (task == NULL)
		return 0;
	if (ctx->meta->seq_num == 0) {
		BPF_SEQ_PRINTF(seq, "exists %d missing %d enum %d types %d %d size %d\n",
			       bpf_core_field_exists(task, pid), bpf_core_field_exists(task, iter_no_such_field),
			       bpf_core_enum_value(enum bpf_map_type___local, BPF_MAP_TYPE_ARRAY___local),
			       bpf_core_type_exists(struct task_struct___reordered),
			       bpf_core_type_exists(struct iter_no_such_type),
			       bpf_core_type_size(struct task_struct___reordered));
		/* Guarded: the relocation is poisoned, but the code is dead on every kernel. */
		if (bpf_core_field_exists(task, iter_no_such_field))
			BPF_SEQ_PRINTF(seq, "impossible %d\n", task->iter_no_such_field);
	}
	BPF_SEQ_PRINTF(seq, "%7d %7d %s %llu\n", task->pid, task->tgid, task->comm,
		       bpf_core_read_bitfield(task, sched_reset_on_fork));
	return 0;
}
