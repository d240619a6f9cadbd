# bash completion for iter(8), and for the `bpftool iter` form when bpftool is iter.
#
# Commands and options; object files after pin/run; directories for the pin path; map ids and
# names from the kernel (iter list maps) after `map id` / `map name`; pinned files after
# `map pinned` and `cat`; cgroup directories after `cgroup path`; users from /etc/passwd after
# `owner`; pinned files, then objects, after update; the reading keywords (interval, netns, pidns,
# type) after run's and cat's arguments, /run/netns files after `netns`.

_iter_words='pin run cat update list show info version help'
_iter_options='-j --json -p --pretty -d --debug -n --nomount -V --version -h --help'

# _iter_complete_args WORDS...: completes after the command word (pin, run, list, show).
_iter_complete_args() {
    local cur=$1 prev=$2 command=$3 position=$4
    case $prev in
    map) COMPREPLY=($(compgen -W 'id pinned name' -- "$cur")); return ;;
    task) COMPREPLY=($(compgen -W 'main_thread_only tid pid pid_fd' -- "$cur")); return ;;
    cgroup) COMPREPLY=($(compgen -W 'id path' -- "$cur")); return ;;
    order) COMPREPLY=($(compgen -W 'self_only descendants_pre descendants_post ancestors_up children' -- "$cur")); return ;;
    owner) COMPREPLY=($(compgen -u -- "$cur")); return ;;
    netns)
        compopt -o filenames 2>/dev/null
        COMPREPLY=($(compgen -W 'pid all' -- "$cur") $(compgen -f -- "${cur:-/run/netns/}"))
        return
        ;;
    pidns)
        compopt -o filenames 2>/dev/null
        COMPREPLY=($(compgen -W 'pid' -- "$cur") $(compgen -f -- "${cur:-/proc/}"))
        return
        ;;
    prog | tid | pid | pid_fd | mode | interval | count | type) return ;;
    set)
        # The object's settable variables, from iter info (the object is the word after pin/run,
        # the second after update).
        local first=1
        [ "$command" = update ] && first=2
        local object=${COMP_WORDS[$((COMP_CWORD - position + first))]}
        [ -f "$object" ] && COMPREPLY=($(compgen -S = -W "$(iter info "$object" 2>/dev/null |
            sed -n '/^variables/,$ s/^  \([A-Za-z_][A-Za-z0-9_]*\) = .*/\1/p')" -- "$cur"))
        compopt -o nospace 2>/dev/null
        return ;;
    esac
    # The word before prev tells map id / map name / map pinned / cgroup path / cgroup id.
    local before=${COMP_WORDS[COMP_CWORD - 2]}
    case $before:$prev in
    map:id) COMPREPLY=($(compgen -W "$(iter list maps 2>/dev/null | cut -d' ' -f1)" -- "$cur")); return ;;
    map:name) COMPREPLY=($(compgen -W "$(iter list maps 2>/dev/null | cut -d' ' -f2)" -- "$cur")); return ;;
    map:pinned) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -f -- "${cur:-/sys/fs/bpf/}")); return ;;
    cgroup:path) compopt -o filenames 2>/dev/null; COMPREPLY=($(compgen -d -- "${cur:-/sys/fs/cgroup/}")); return ;;
    cgroup:id | show:id) return ;;
    esac
    local reading='interval netns pidns type'
    # After `interval SECONDS`, its optional `count N` too.
    [ "$before" = interval ] && reading="count $reading"
    case $command in
    pin | run)
        if [ "$position" = 1 ]; then
            compopt -o filenames 2>/dev/null
            COMPREPLY=($(compgen -f -X '!*.o' -- "$cur") $(compgen -d -- "$cur"))
        elif [ "$command" = pin ] && [ "$position" = 2 ]; then
            compopt -o filenames 2>/dev/null
            COMPREPLY=($(compgen -d -- "${cur:-/sys/fs/bpf/}"))
        elif [ "$command" = pin ]; then
            COMPREPLY=($(compgen -W 'map task cgroup prog set mode owner' -- "$cur"))
        else
            COMPREPLY=($(compgen -W "map task cgroup prog set $reading" -- "$cur"))
        fi
        ;;
    cat)
        if [ "$position" = 1 ]; then
            compopt -o filenames 2>/dev/null
            COMPREPLY=($(compgen -f -- "${cur:-/sys/fs/bpf/}"))
        else
            COMPREPLY=($(compgen -W "$reading" -- "$cur"))
        fi
        ;;
    update)
        if [ "$position" = 1 ]; then
            compopt -o filenames 2>/dev/null
            COMPREPLY=($(compgen -f -- "${cur:-/sys/fs/bpf/}"))
        elif [ "$position" = 2 ]; then
            compopt -o filenames 2>/dev/null
            COMPREPLY=($(compgen -f -X '!*.o' -- "$cur") $(compgen -d -- "$cur"))
        else
            COMPREPLY=($(compgen -W 'prog set' -- "$cur"))
        fi
        ;;
    list) [ "$position" = 1 ] && COMPREPLY=($(compgen -W 'maps' -- "$cur")) ;;
    info)
        if [ "$position" = 1 ]; then
            compopt -o filenames 2>/dev/null
            COMPREPLY=($(compgen -f -X '!*.o' -- "$cur") $(compgen -d -- "$cur"))
        fi
        ;;
    show)
        if [ "$position" = 1 ]; then
            compopt -o filenames 2>/dev/null
            COMPREPLY=($(compgen -W 'id' -- "$cur") $(compgen -f -- "${cur:-/sys/fs/bpf/}"))
        fi
        ;;
    esac
}

# _iter_complete_from INDEX: complete COMP_WORDS from INDEX on as `iter ...`.
_iter_complete_from() {
    local first=$1 cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
    local i command='' position=0
    for ((i = first; i < COMP_CWORD; i++)); do
        case ${COMP_WORDS[i]} in
        -*) ;;
        *)
            if [ -z "$command" ]; then command=${COMP_WORDS[i]}; else position=$((position + 1)); fi
            ;;
        esac
    done
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$_iter_options" -- "$cur"))
    elif [ -z "$command" ]; then
        COMPREPLY=($(compgen -W "$_iter_words" -- "$cur"))
    else
        _iter_complete_args "$cur" "$prev" "$command" $((position + 1))
    fi
}

_iter() {
    COMPREPLY=()
    _iter_complete_from 1
}
complete -F _iter iter

# `bpftool iter ...`, registered only where bpftool is iter (a link to it), so the real bpftool's
# own completion is left alone.
_iter_bpftool() {
    COMPREPLY=()
    local i object=0
    for ((i = 1; i < COMP_CWORD; i++)); do
        case ${COMP_WORDS[i]} in -*) ;; *) object=$i; break ;; esac
    done
    if [ "$object" = 0 ]; then
        local cur=${COMP_WORDS[COMP_CWORD]}
        if [[ $cur == -* ]]; then COMPREPLY=($(compgen -W "$_iter_options" -- "$cur"))
        else COMPREPLY=($(compgen -W 'iter version help' -- "$cur")); fi
        return
    fi
    _iter_complete_from $((object + 1))
}
if _iter_bpftool_path=$(command -v bpftool 2>/dev/null) &&
    [ "$(basename "$(readlink -f "$_iter_bpftool_path")")" = iter ]; then
    complete -F _iter_bpftool bpftool
fi
unset _iter_bpftool_path
