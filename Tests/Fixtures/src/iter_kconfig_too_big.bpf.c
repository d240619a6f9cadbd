// More __kconfig than iter lays out: seventeen 64 KiB char arrays would make the .kconfig map
// 1,114,112 bytes, past the 1 MiB iter accepts. Planning must refuse it, naming the first extern
// that does not fit (the seventeenth: same alignment and size, so by name), before allocating
// the map's contents.
#include "iter_bpf.h"
#include "iter_kernel.h"

char LICENSE[] SEC("license") = "GPL";

extern char CONFIG_ITER_BIG_00[65536] __kconfig __weak;
extern char CONFIG_ITER_BIG_01[65536] __kconfig __weak;
extern char CONFIG_ITER_BIG_02[65536] __kconfig __weak;
extern char CONFIG_ITER_BIG_03[65536] __kconfig __weak;
extern char CONFIG_ITER_BIG_04[65536] __kconfig __weak;
extern char CONFIG_ITER_BIG_05[65536] __kconfig __weak;
extern char CONFIG_ITER_BIG_06[65536] __kconfig __weak;
extern char CONFIG_ITER_BIG_07[65536] __kconfig __weak;
extern char CONFIG_ITER_BIG_08[65536] __kconfig __weak;
extern char CONFIG_ITER_BIG_09[65536] __kconfig __weak;
extern char CONFIG_ITER_BIG_10[65536] __kconfig __weak;
extern char CONFIG_ITER_BIG_11[65536] __kconfig __weak;
extern char CONFIG_ITER_BIG_12[65536] __kconfig __weak;
extern char CONFIG_ITER_BIG_13[65536] __kconfig __weak;
extern char CONFIG_ITER_BIG_14[65536] __kconfig __weak;
extern char CONFIG_ITER_BIG_15[65536] __kconfig __weak;
extern char CONFIG_ITER_BIG_16[65536] __kconfig __weak;

SEC("iter/task")
int dump_big_config(struct bpf_iter__task *ctx)
{
	if (ctx->task == NULL || ctx->meta->seq_num != 0)
		return 0;
	/* Every extern used: clang emits no symbol (and no BTF) for an unused one. */
	int sum = CONFIG_ITER_BIG_00[0] + CONFIG_ITER_BIG_01[0] + CONFIG_ITER_BIG_02[0] + CONFIG_ITER_BIG_03[0] +
		  CONFIG_ITER_BIG_04[0] + CONFIG_ITER_BIG_05[0] + CONFIG_ITER_BIG_06[0] + CONFIG_ITER_BIG_07[0] +
		  CONFIG_ITER_BIG_08[0] + CONFIG_ITER_BIG_09[0] + CONFIG_ITER_BIG_10[0] + CONFIG_ITER_BIG_11[0] +
		  CONFIG_ITER_BIG_12[0] + CONFIG_ITER_BIG_13[0] + CONFIG_ITER_BIG_14[0] + CONFIG_ITER_BIG_15[0] +
		  CONFIG_ITER_BIG_16[0];
	BPF_SEQ_PRINTF(ctx->meta->seq, "%d\n", sum);
	return 0;
}
