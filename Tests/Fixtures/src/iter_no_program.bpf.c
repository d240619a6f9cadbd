// A valid BPF object with no iterator program: only a function in .text and some data.
#include "iter_bpf.h"

char LICENSE[] SEC("license") = "GPL";

int counter = 1;

__noinline int helper(int x)
{
	return x + counter;
}
