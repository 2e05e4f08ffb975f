#!/usr/bin/env python3
"""gen_wrappers.py - write mpisnap's MPI entry points from one list of calls.

    gen_wrappers.py mpi_calls.txt OUTDIR

Writes into OUTDIR:
  wrap_gen.h      prototypes of the hand-written bodies (wrap_Name) the entry points call
  wrap_c.c        the C entry points MPI_Name
  wrap_f.c        the Fortran entry points: one function per call, exported under every
                  name a Fortran program or Open MPI's bindings reach it by
  wrap_symbols.txt  every symbol exported, one "C|F|F08 name" a line (tests check them)

Why a script and not C X-macros: a Fortran entry point converts each argument by its
kind (a handle, a status, a LOGICAL, a 1-based index, a sentinel address), before and
after the call. Written as macros, that is control flow hidden in macro arguments; here
each kind is one table row below, and the output is plain C one can read and step
through in a debugger. The list (mpi_calls.txt) says what each kind means.
"""
import re
import sys

# kind: (C parameter, Fortran parameter or None for C-only arguments)
# The Fortran side receives every argument by reference (Fortran's calling convention).
KINDS = {
    'cbuf': ('const void *{n}', 'void *{n}'),
    'buf': ('void *{n}', 'void *{n}'),
    'sbuf': ('const void *{n}', 'void *{n}'),
    'rbuf': ('void *{n}', 'void *{n}'),
    'int': ('int {n}', 'MPI_Fint *{n}'),
    'aint': ('MPI_Aint {n}', 'MPI_Aint *{n}'),
    'cints': ('const int {n}[]', 'MPI_Fint *{n}'),
    'iout': ('int *{n}', 'MPI_Fint *{n}'),
    'lgl': ('int {n}', 'MPI_Fint *{n}'),
    'lgls': ('const int {n}[]', 'MPI_Fint *{n}'),
    'flag': ('int *{n}', 'MPI_Fint *{n}'),
    'idx': ('int *{n}', 'MPI_Fint *{n}'),
    'idxs': ('int {n}[]', 'MPI_Fint *{n}'),
    'comm': ('MPI_Comm {n}', 'MPI_Fint *{n}'),
    'dtype': ('MPI_Datatype {n}', 'MPI_Fint *{n}'),
    'op': ('MPI_Op {n}', 'MPI_Fint *{n}'),
    'group': ('MPI_Group {n}', 'MPI_Fint *{n}'),
    'info': ('MPI_Info {n}', 'MPI_Fint *{n}'),
    'req': ('MPI_Request {n}', 'MPI_Fint *{n}'),
    'comm_o': ('MPI_Comm *{n}', 'MPI_Fint *{n}'),
    'req_o': ('MPI_Request *{n}', 'MPI_Fint *{n}'),
    'msg_o': ('MPI_Message *{n}', 'MPI_Fint *{n}'),
    'win_o': ('MPI_Win *{n}', 'MPI_Fint *{n}'),
    'comm_io': ('MPI_Comm *{n}', 'MPI_Fint *{n}'),
    'dtype_io': ('MPI_Datatype *{n}', 'MPI_Fint *{n}'),
    'req_io': ('MPI_Request *{n}', 'MPI_Fint *{n}'),
    'msg_io': ('MPI_Message *{n}', 'MPI_Fint *{n}'),
    'reqs': ('MPI_Request {n}[]', 'MPI_Fint *{n}'),
    'dtypes': ('const MPI_Datatype {n}[]', 'MPI_Fint *{n}'),
    'st': ('MPI_Status *{n}', 'MPI_Fint *{n}'),
    'sts': ('MPI_Status {n}[]', 'MPI_Fint *{n}'),
    'weights': ('const int {n}[]', 'MPI_Fint *{n}'),
    'baseptr': ('void *{n}', 'void *{n}'),
    'argc': ('int *{n}', None),
    'argv': ('char ***{n}', None),
    'cstr': ('const char *{n}', None),
    'cstrs': ('char *{n}[]', None),
    'errcodes': ('int {n}[]', None),
}
# handle kinds and their MPI type names (for f2c/c2f)
HANDLE = {'comm': 'Comm', 'dtype': 'Type', 'op': 'Op', 'group': 'Group', 'info': 'Info', 'req': 'Request',
          'msg': 'Message', 'win': 'Win'}
CTYPE = {'comm': 'MPI_Comm', 'dtype': 'MPI_Datatype', 'req': 'MPI_Request', 'msg': 'MPI_Message',
         'win': 'MPI_Win'}
NULL = {'comm': 'MPI_COMM_NULL', 'dtype': 'MPI_DATATYPE_NULL', 'req': 'MPI_REQUEST_NULL',
        'msg': 'MPI_MESSAGE_NULL', 'win': 'MPI_WIN_NULL'}
# A message probed from mpisnap's held queue has a handle of mpisnap's own (wire.h).
def f2c(h):
    return 'wire_message_f2c' if h == 'msg' else f'PMPI_{HANDLE[h]}_f2c'


def c2f(h):
    return 'wire_message_c2f' if h == 'msg' else f'PMPI_{HANDLE[h]}_c2f'


CLASSES = ('hand', 'always', 'coll', 'create', 'create0', 'refuse')
# A Fortran choice buffer (or a string): Open MPI's mpi_f08 routes calls with one
# through its mpif.h implementation (ompi_x_f); calls without one it may route through
# pmpi_x_, so mpisnap also takes their mpi_f08 names (mpi_x_f08_).
BUFFERS = ('cbuf', 'buf', 'sbuf', 'rbuf', 'cstr')


class Arg:
    def __init__(self, text, call):
        m = re.fullmatch(r'(\w+)(?:\(([^)]*)\))?\s+(\w+)', text.strip())
        if not m or m.group(1) not in KINDS:
            sys.exit(f'gen_wrappers.py: {call}: bad argument "{text.strip()}"')
        self.kind, self.count, self.name = m.group(1), m.group(2), m.group(3)
        if self.kind in ('lgls', 'reqs', 'sts') and not self.count:
            sys.exit(f'gen_wrappers.py: {call}: {self.name} needs a count, e.g. {self.kind}(count)')

    def c_decl(self):
        return KINDS[self.kind][0].format(n=self.name)

    def f_decl(self):
        f = KINDS[self.kind][1]
        return f.format(n=self.name) if f else None


class Call:
    def __init__(self, line, lineno):
        m = re.fullmatch(r'(\w+)(,nofortran)?\s+(\w+)\((.*?)\)\s*(?:"([^"]*)")?', line)
        if not m or m.group(1) not in CLASSES:
            sys.exit(f'gen_wrappers.py: line {lineno}: cannot read "{line}"')
        self.cls, self.nofortran, self.name, self.msg = m.group(1), bool(m.group(2)), m.group(3), m.group(5)
        self.args = [Arg(a, self.name) for a in m.group(4).split(',')] if m.group(4).strip() else []
        if (self.cls == 'refuse') != (self.msg is not None):
            sys.exit(f'gen_wrappers.py: line {lineno}: a refused call, and only one, has a message')

    def arg(self, name):
        return next(a for a in self.args if a.name == name)

    def first(self, *kinds):
        return next((a.name for a in self.args if a.kind in kinds), None)

    def c_params(self):
        return ', '.join(a.c_decl() for a in self.args) or 'void'

    def c_names(self):
        return ', '.join(a.name for a in self.args)


def read_list(path):
    calls = []
    with open(path) as f:
        for i, line in enumerate(f, 1):
            line = line.split('#', 1)[0].strip()
            if line:
                calls.append(Call(line, i))
    return calls


# ---- C entry points ----

def c_entry(c):
    sig = f'SNAP_API int MPI_{c.name}({c.c_params()})'
    names = c.c_names()
    passthrough = (f'    if (snap_passthrough()) {{\n        snap_check_unseen();\n'
                   f'        return PMPI_{c.name}({names});\n    }}\n')
    if c.cls == 'always':
        return f'{sig}\n{{\n    return wrap_{c.name}({names});\n}}\n'
    if c.cls == 'hand':
        return f'{sig}\n{{\n{passthrough}    return wrap_{c.name}({names});\n}}\n'
    comm = c.first('comm') or 'MPI_COMM_NULL'
    if c.cls == 'coll':
        nb = 'I' + c.name[0].lower() + c.name[1:]
        return (f'{sig}\n{{\n{passthrough}    MPI_Request r;\n    snap_enter_collective("{c.name}", {comm});\n'
                f'    return coll_wait(PMPI_{nb}({names}, &r), &r);\n}}\n')
    if c.cls in ('create', 'create0'):
        new = c.first('comm_o')
        if c.cls == 'create':
            enter = f'    gate({comm}, "{c.name}");\n'
        else:
            tag = 'tag' if any(a.name == 'tag' for a in c.args) else 'SNAP_NONE'
            enter = f'    snap_enter("{c.name}", SNAP_NONE, {tag}, {comm}, 0, MPI_DATATYPE_NULL);\n'
        return f'{sig}\n{{\n{passthrough}{enter}    return registered(PMPI_{c.name}({names}), {new});\n}}\n'
    return f'{sig}\n{{\n{passthrough}    return snap_unsupported("{c.name}", {comm}, "{c.msg}");\n}}\n'


# ---- Fortran entry points ----

def count_expr(c, count):
    """The C expression for an array's length, named in the list by an argument."""
    if count == '@cartdim':
        return f'snapf_cartdim(PMPI_Comm_f2c(*{c.first("comm")}))'
    if count.startswith('*'):
        return f'snapf_outcount(c_{count[1:]})'
    return f'*{count}'


def f_entry(c):
    """One Fortran entry point: convert in, call the C entry point, convert out."""
    pre, args, post = [], [], []
    flag = c.first('flag')
    ok = 'rc == MPI_SUCCESS' + (f' && c_{flag}' if flag else '')
    for a in c.args:
        n, k = a.name, a.kind
        if k in ('cbuf', 'buf', 'baseptr'):
            args.append(f'snapf_buf({n})' if k != 'baseptr' else n)
        elif k in ('sbuf', 'rbuf'):
            args.append(f'snapf_cbuf({n})')
        elif k in ('int', 'aint'):
            args.append(f'*{n}')
        elif k == 'cints':
            args.append(f'(const int *){n}')
        elif k == 'weights':
            args.append(f'snapf_weights({n})')
        elif k == 'lgl':
            args.append(f'SNAPF_LOGICAL(*{n})')
        elif k == 'lgls':
            pre.append(f'    int c_{n}_small[16], *c_{n} = snapf_logicals({n}, {count_expr(c, a.count)}, c_{n}_small);')
            args.append(f'c_{n}')
            post.append(f'    if (c_{n} != c_{n}_small) free(c_{n});')
        elif k in ('iout', 'flag', 'idx'):
            pre.append(f'    int c_{n} = 0;')
            args.append(f'&c_{n}')
            if k == 'iout':  # Waitsome/Testsome's outcount is valid with MPI_ERR_IN_STATUS too
                post.append(f'    if (rc == MPI_SUCCESS || rc == MPI_ERR_IN_STATUS) *{n} = c_{n};')
            elif k == 'flag':
                post.append(f'    if (rc == MPI_SUCCESS) *{n} = c_{n} ? SNAPF_TRUE : SNAPF_FALSE;')
            else:
                # MPI_UNDEFINED (no active request, or Testany found none) stays as it is
                post.append(f'    if (rc == MPI_SUCCESS) *{n} = c_{n} == MPI_UNDEFINED ? MPI_UNDEFINED : c_{n} + 1;')
        elif k == 'idxs':
            args.append(f'(int *){n}')
            cnt = c.first('iout')
            post.append(f'    if (rc == MPI_SUCCESS || rc == MPI_ERR_IN_STATUS) snapf_one_based({n}, snapf_outcount(c_{cnt}));')
        elif k in HANDLE:
            args.append(f'{f2c(k)}(*{n})')
        elif k.endswith('_o') or k.endswith('_io'):
            h = k.rsplit('_', 1)[0]
            init = f'{f2c(h)}(*{n})' if k.endswith('_io') else NULL[h]
            pre.append(f'    {CTYPE[h]} c_{n} = {init};')
            args.append(f'&c_{n}')
            # a request the call may have freed is written back even on error: the
            # Fortran handle must not go on naming a freed request
            back = f'*{n} = {c2f(h)}(c_{n});'
            post.append(f'    {back}' if k == 'req_io' else f'    if (rc == MPI_SUCCESS) {back}')
        elif k == 'reqs':
            cnt = count_expr(c, a.count)
            pre.append(f'    MPI_Request c_{n}_small[16], *c_{n} = snapf_reqs_in({n}, {cnt}, c_{n}_small);')
            args.append(f'c_{n}')
            post.append(f'    snapf_reqs_out({n}, c_{n}, {cnt}, c_{n}_small);')
        elif k == 'dtypes':
            cnt = f'snapf_comm_peers(PMPI_Comm_f2c(*{c.first("comm")}))'
            # a send side given as MPI_IN_PLACE has no datatypes to read (Alltoallw)
            before = [b for b in c.args[:c.args.index(a)] if b.kind in ('sbuf', 'rbuf')]
            if before and before[-1].kind == 'sbuf':
                cnt = f'(snapf_cbuf({before[-1].name}) == MPI_IN_PLACE ? 0 : {cnt})'
            pre.append(f'    MPI_Datatype c_{n}_small[16], *c_{n} = snapf_types_in({n}, {cnt}, c_{n}_small);')
            args.append(f'c_{n}')
            post.append(f'    if (c_{n} != c_{n}_small) free(c_{n});')
        elif k == 'st':
            pre.append(f'    MPI_Status c_{n};')
            args.append(f'snapf_status_ignored({n}) ? MPI_STATUS_IGNORE : &c_{n}')
            post.append(f'    if ({ok} && !snapf_status_ignored({n})) PMPI_Status_c2f(&c_{n}, {n});')
        elif k == 'sts':
            # n statuses of the call, or *outcount of them for Waitsome/Testsome; with
            # MPI_ERR_IN_STATUS each holds its request's error
            cnt = count_expr(c, a.count)
            alloc = count_expr(c, c.arg(c.first('reqs')).count)  # as many as requests
            pre.append(f'    MPI_Status c_{n}_small[16], *c_{n} = snapf_statuses_alloc({n}, {alloc}, c_{n}_small);')
            args.append(f'c_{n} ? c_{n} : MPI_STATUSES_IGNORE')
            cond = f'(rc == MPI_SUCCESS || rc == MPI_ERR_IN_STATUS)' + (f' && c_{flag}' if flag else '')
            post.append(f'    if ({cond}) snapf_statuses_out({n}, c_{n}, {cnt});')
            post.append(f'    if (c_{n} != c_{n}_small) free(c_{n});')
        elif k in ('argc', 'argv'):
            args.append('NULL')
        else:
            sys.exit(f'gen_wrappers.py: {c.name}: kind {k} has no Fortran conversion')
    fparams = [a.f_decl() for a in c.args if a.f_decl()] + ['MPI_Fint *ierr']
    body = '\n'.join(pre + [f'    int rc = MPI_{c.name}({", ".join(args)});'] + post +
                     ['    if (ierr) *ierr = rc;'])
    out = f'void snapf_{c.name}({", ".join(fparams)})\n{{\n{body}\n}}\n'
    for sym in f_symbols(c):
        out += f'SNAPF_ALIAS({sym[1]}, snapf_{c.name})\n'
    return out


def f_symbols(c):
    """Every name a Fortran program or Open MPI's bindings call this function by:
    mpif.h and use mpi (gfortran: mpi_x_; other compilers: mpi_x__, mpi_x, MPI_X),
    and use mpi_f08 (Open MPI's mpi_x_f08_ calls ompi_x_f, or pmpi_x_ for calls
    without a choice buffer, which mpisnap must not take: it takes mpi_x_f08_ then)."""
    lo = c.name.lower()
    syms = [('F', f'mpi_{lo}_'), ('F', f'mpi_{lo}__'), ('F', f'mpi_{lo}'), ('F', f'MPI_{c.name.upper()}'),
            ('F08', f'ompi_{lo}_f')]
    if not any(a.kind in BUFFERS for a in c.args):
        syms.append(('F08', f'mpi_{lo}_f08_'))
    return syms


def main():
    if len(sys.argv) != 3:
        sys.exit('usage: gen_wrappers.py mpi_calls.txt OUTDIR')
    calls = read_list(sys.argv[1])
    out = sys.argv[2]
    head = f'/* Generated by gen_wrappers.py from mpi_calls.txt: do not edit. */\n'
    with open(f'{out}/wrap_gen.h', 'w') as f:
        f.write(head + '#ifndef MPISNAP_WRAP_GEN_H\n#define MPISNAP_WRAP_GEN_H\n#include <mpi.h>\n\n')
        f.write('/* The hand-written bodies (lib/interpose/wrap_*.c) of the calls of class hand and always. */\n')
        for c in calls:
            if c.cls in ('hand', 'always'):
                f.write(f'int wrap_{c.name}({c.c_params()});\n')
        f.write('\n#endif\n')
    with open(f'{out}/wrap_c.c', 'w') as f:
        f.write(head + '#include "wrap.h"\n\n')
        for c in calls:
            f.write(c_entry(c) + '\n')
    with open(f'{out}/wrap_f.c', 'w') as f:
        f.write(head + '#include "fortran.h"\n#include "wire.h"\n\n#include <stdlib.h>\n\n')
        for c in calls:
            if not c.nofortran:
                f.write(f_entry(c) + '\n')
    with open(f'{out}/wrap_symbols.txt', 'w') as f:
        for c in calls:
            f.write(f'C MPI_{c.name}\n')
            for kind, sym in f_symbols(c):
                f.write(f'{kind} {sym}\n')


if __name__ == '__main__':
    main()
