// The executable's entry point. The command lives in the IterCommand library (Swift), which exports
// iter_main; a C main works the same in ordinary and Embedded Swift builds.
extern int iter_main(int argc, char **argv);

int main(int argc, char **argv) { return iter_main(argc, argv); }
