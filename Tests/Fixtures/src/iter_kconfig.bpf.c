// __kconfig externs of each kind libbpf supports, filled by the loader from the kernel's config
// and its own virtual LINUX_* values; printed once per read.
#include "iter_bpf.h"
#include "iter_kernel.h"

char LICENSE[] SEC("license") = "GPL";

extern unsigned int CONFIG_HZ __kconfig;                 /* integer */
extern unsigned int LINUX_KERNEL_VERSION __kconfig;      /* virtual */
extern bool CONFIG_BPF_SYSCALL __kconfig;                /* bool, y */
extern enum libbpf_tristate CONFIG_BPF_JIT __kconfig;    /* tristate */
extern char CONFIG_BPF_EVENTS __kconfig __weak;          /* char: 'y', 'n' or 'm' */
extern char CONFIG_DEFAULT_HOSTNAME[16] __kconfig;       /* string */
extern bool CONFIG_ITER_NO_SUCH_OPTION __kconfig __weak; /* missing, weak: 0 */
extern bool LINUX_HAS_SYSCALL_WRAPPER __kconfig __weak;  /* virtual */
extern bool LINUX_HAS_BPF_COOKIE __kconfig __weak;       /* virtual */

SEC("iter/task")
int dump_config(struct bpf_iter__task *ctx)
{
	if (ctx->task == NULL || ctx->meta->seq_num != 0)
		return 0;
	BPF_SEQ_PRINTF(ctx->meta->seq, "hz %u version %u.%u.%u\n", CONFIG_HZ, LINUX_KERNEL_VERSION >> 16,
		       (LINUX_KERNEL_VERSION >> 8) & 0xff, LINUX_KERNEL_VERSION & 0xff);
	/* %d, not %c: bpf_seq_printf learned %c in 5.13. */
	BPF_SEQ_PRINTF(ctx->meta->seq, "bpf_syscall %d bpf_jit %d bpf_events %d hostname %s\n", CONFIG_BPF_SYSCALL,
		       CONFIG_BPF_JIT, CONFIG_BPF_EVENTS ? CONFIG_BPF_EVENTS : '0', CONFIG_DEFAULT_HOSTNAME);
	BPF_SEQ_PRINTF(ctx->meta->seq, "missing %d wrapper %d cookie %d\n", CONFIG_ITER_NO_SUCH_OPTION,
		       LINUX_HAS_SYSCALL_WRAPPER, LINUX_HAS_BPF_COOKIE);
	return 0;
}
