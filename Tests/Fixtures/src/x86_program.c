/* Not BPF: an ordinary x86-64 object, which iter must refuse by its ELF machine. */
int x86_function(int x)
{
	return x + 1;
}
