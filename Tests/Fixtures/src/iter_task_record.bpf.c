// Binary records instead of text: one `struct task_record` per task, written with bpf_seq_write,
// for `iter ... type task_record` to decode with the object's (or the kernel's copy of its) BTF.
// Each field can be checked against /proc: pid and tgid, comm, the scheduling policy (field 41 of
// /proc/PID/stat) as an enum, and whether the task is a kernel thread (PF_KTHREAD in field 9).
#include "iter_bpf.h"
#include "iter_kernel.h"
#include "iter_progs.h"

char LICENSE[] SEC("license") = "GPL";

#define PF_KTHREAD 0x00200000

enum sched_policy {
	SCHED_NORMAL = 0,
	SCHED_FIFO = 1,
	SCHED_RR = 2,
	SCHED_BATCH = 3,
	SCHED_IDLE = 5,
	SCHED_DEADLINE = 6,
	SCHED_EXT = 7,
};

struct task_record {
	int pid;
	int tgid;
	char comm[16];
	enum sched_policy policy;
	bool kernel_thread;
};

/* Never used: it puts struct task_record in the object's BTF, which keeps only the types of
 * globals and functions, not those of local variables. */
struct task_record *record_type __attribute__((unused));

static __always_inline void fill(struct task_record *record, struct task_struct___record *task)
{
	__builtin_memset(record, 0, sizeof(*record));
	record->pid = task->pid;
	record->tgid = task->tgid;
	bpf_probe_read_kernel_str(record->comm, sizeof(record->comm), task->comm);
	record->policy = task->policy;
	record->kernel_thread = (task->flags & PF_KTHREAD) != 0;
}

SEC("iter/task")
int dump_task_records(struct bpf_iter__task *ctx)
{
	struct task_struct___record *task = (void *)ctx->task;
	struct task_record record;

	if (task == NULL)
		return 0;
	fill(&record, task);
	bpf_seq_write(ctx->meta->seq, &record, sizeof(record));
	return 0;
}

/* One record and the first 5 bytes of it again, whatever the machine: a reader of records must
 * say that the output ends inside one. (The 5 bytes come from the record: an initialised array
 * would put an empty .rodata DATASEC in the BTF, which 5.10 refuses.) */
SEC("?iter/task")
int dump_record_and_a_half(struct bpf_iter__task *ctx)
{
	struct task_struct___record *task = (void *)ctx->task;
	struct task_record record;

	if (task == NULL || ctx->meta->seq_num != 0)
		return 0;
	fill(&record, task);
	bpf_seq_write(ctx->meta->seq, &record, sizeof(record));
	bpf_seq_write(ctx->meta->seq, &record, 5);
	return 0;
}
