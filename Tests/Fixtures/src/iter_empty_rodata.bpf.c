// A task iterator whose only .rodata is the initialiser of a local array: clang keeps it as an
// unnamed constant, so the object's BTF has a .rodata DATASEC with no variables. 5.10 and 5.11
// refuse such BTF ("vlen == 0"; libbpf then loads without BTF at all); iter rewrites the empty
// DATASEC for them, so the program keeps its BTF and `type pid_mark` still decodes its records.
#include "iter_bpf.h"
#include "iter_kernel.h"
#include "iter_progs.h"

char LICENSE[] SEC("license") = "GPL";

struct pid_mark {
	char tag[12];
	int pid;
};

/* Never used: it puts struct pid_mark in the object's BTF. */
struct pid_mark *mark_type __attribute__((unused));

SEC("iter/task")
int dump_pid_marks(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;
	/* 12 bytes from .rodata (a local initialiser, not a variable) */
	const char tag[12] = { 'p', 'i', 'd', ' ', 'm', 'a', 'r', 'k', '#', '0', '0', '1' };
	struct pid_mark mark;

	if (task == NULL)
		return 0;
	__builtin_memcpy(mark.tag, tag, sizeof(mark.tag));
	mark.pid = task->pid;
	bpf_seq_write(ctx->meta->seq, &mark, sizeof(mark));
	return 0;
}
