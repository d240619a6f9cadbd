/// `iter help`: every command and option. The manual page (doc/iter.8) says the same at length;
/// a test checks that each option here appears there and in the completion script.
enum HelpText {
    static func usage(program: String) -> String {
        let p = program
        let pad = String(repeating: " ", count: p.count)
        return """
        Usage: \(p) pin OBJ PATH [ITER_OPT] [prog NAME]
               \(p) run OBJ [ITER_OPT] [prog NAME]
               \(p) list [maps]
               \(p) show [PATH | id LINK_ID]
               \(p) version
               \(p) help

               \(pad) OBJ := /a/file/of/bpf_iter_target.o
               \(pad) ITER_OPT := { map MAP | task TASK_OPT | cgroup CGROUP_OPT }
               \(pad) MAP := { id MAP_ID | pinned FILE | name MAP_NAME }
               \(pad) TASK_OPT := { main_thread_only | tid TID | pid PID | pid_fd FD }
               \(pad) CGROUP_OPT := { id CGROUP_ID | path PATH } [order ORDER]
               \(pad) ORDER := { self_only | descendants_pre | descendants_post | ancestors_up }
               \(pad) OPTIONS := { {-j|--json} [{-p|--pretty}] | {-d|--debug} | {-n|--nomount} |
               \(pad)              {-V|--version} | {-h|--help} }
        """
    }
}
