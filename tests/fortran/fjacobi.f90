! fjacobi.f90 - the Fortran twin of examples/jacobi.c: a deterministic 2-D Jacobi stencil
! that restarts from mpisnap snapshots through the `mpisnap` module.
!
!   mpirun -np 4 fjacobi --n 48 --iters 240 --snapshot-every 20
!
! The n x n grid (hot top edge, cold elsewhere) is split by rows: u(0:n-1, 0:rows+1),
! row i being u(:, i), the same bytes in the same order as jacobi.c's. Each iteration
! receives the halo rows (MPI_Irecv + MPI_Waitall) and relaxes the interior; the next
! iteration's halos are sent with MPI_Bsend at the end of each iteration, before the
! safe point, so at every safe point messages are in flight (recorded as in transit,
! and delivered again after a restart). The grid and the iteration counter are
! protected; mpisnap_safepoint() marks the top of the loop; a run killed part-way
! resumes with MPISNAP_RESTART=latest and prints the same checksum, bit for bit (and
! the same as jacobi.c's for the same --n, --iters and number of ranks).
!
! Its last line is "checksum: <hex>", FNV-1a 64 over the bytes of the final field, seeded
! as in jacobi.c.
!   --n N               grid size (default 256, at least the number of ranks)
!   --iters K           iterations (default 1000)
!   --snapshot-every K  rank 0 asks for a snapshot every K iterations (default 0: never)
!   --crash-at K        rank 1 (rank 0 alone) kills itself with SIGKILL at iteration K
!   --api-check         also exercises the rest of the module (ierror present and
!                       absent, a second protect of a name, unprotect, conserve,
!                       last_snapshot, wait_all) and says so on stderr
!   --api-fail          ends with mpisnap_unprotect of an unknown name without ierror:
!                       the library must stop the job with one line
program fjacobi
  use mpi
  use mpisnap
  use, intrinsic :: iso_c_binding, only: c_int
  use, intrinsic :: iso_fortran_env, only: int64, output_unit, error_unit
  implicit none
  interface
    integer(c_int) function c_getpid() bind(C, name='getpid')
      import :: c_int
    end function c_getpid
    integer(c_int) function c_kill(pid, sig) bind(C, name='kill')
      import :: c_int
      integer(c_int), value :: pid, sig
    end function c_kill
  end interface
  integer, parameter :: dp = kind(1.0d0)
  integer :: ierr, rank, nranks, n, iters, snapshot_every, crash_at, rows, first, up, down, i, j, gi, r
  integer :: bsize, rq(2), e
  logical :: api_check, api_fail
  integer, target :: it
  real(dp), allocatable, target, asynchronous :: u(:, :)
  real(dp), allocatable :: v(:, :), all(:)
  real(dp), allocatable :: bbuf(:)
  integer, allocatable :: counts(:), displs(:)
  integer(int64), allocatable, target :: scratch(:)
  integer(int64) :: snaps

  call MPI_Init(ierr)
  call MPI_Comm_rank(MPI_COMM_WORLD, rank, ierr)
  call MPI_Comm_size(MPI_COMM_WORLD, nranks, ierr)
  call parse()
  rows = n / nranks
  if (rank < mod(n, nranks)) rows = rows + 1
  first = rank * (n / nranks) + min(rank, mod(n, nranks))
  up = MPI_PROC_NULL
  if (rank > 0) up = rank - 1
  down = MPI_PROC_NULL
  if (rank < nranks - 1) down = rank + 1
  allocate (u(0:n - 1, 0:rows + 1), v(0:n - 1, 0:rows + 1))
  u = 0
  v = 0
  bsize = 2 * (n * 8 + MPI_BSEND_OVERHEAD)
  allocate (bbuf(bsize / 8 + 1))
  call MPI_Buffer_attach(bbuf, bsize, ierr)
  it = 0
  call mpisnap_protect('grid', u)
  call mpisnap_protect('iter', it)
  if (api_check) call api_start()
  if (.not. mpisnap_restarted()) then   ! a restarted run gets grid, iter and the halos in flight back
    if (first == 0) u(:, 1) = 1.0_dp     ! the hot edge
    call MPI_Bsend(u(:, 1), n, MPI_DOUBLE_PRECISION, up, 0, MPI_COMM_WORLD, ierr)
    call MPI_Bsend(u(:, rows), n, MPI_DOUBLE_PRECISION, down, 1, MPI_COMM_WORLD, ierr)
  end if
  do while (it < iters)
    if (api_check) then
      call mpisnap_safepoint(e)
      call expect(e, MPISNAP_OK, 'mpisnap_safepoint(ierror)')
    else
      call mpisnap_safepoint()
    end if
    if (crash_at == it .and. rank == min(1, nranks - 1)) e = c_kill(c_getpid(), 9_c_int)
    if (snapshot_every > 0 .and. rank == 0 .and. mod(it, max(snapshot_every, 1)) == snapshot_every - 1) then
      if (api_check) then
        call mpisnap_request(e)
        call expect(e, MPISNAP_OK, 'mpisnap_request(ierror)')
      else
        call mpisnap_request()
      end if
    end if
    call MPI_Irecv(u(0, 0), n, MPI_DOUBLE_PRECISION, up, 1, MPI_COMM_WORLD, rq(1), ierr)
    call MPI_Irecv(u(0, rows + 1), n, MPI_DOUBLE_PRECISION, down, 0, MPI_COMM_WORLD, rq(2), ierr)
    call MPI_Waitall(2, rq, MPI_STATUSES_IGNORE, ierr)
    do i = 1, rows
      gi = first + i - 1
      do j = 0, n - 1
        if (gi == 0 .or. gi == n - 1 .or. j == 0 .or. j == n - 1) then
          v(j, i) = u(j, i)
        else
          v(j, i) = 0.25_dp * (u(j, i - 1) + u(j, i + 1) + u(j - 1, i) + u(j + 1, i))
        end if
      end do
    end do
    u(:, 1:rows) = v(:, 1:rows)
    if (it + 1 < iters) then   ! the next iteration's halos travel before its safe point
      call MPI_Bsend(u(:, 1), n, MPI_DOUBLE_PRECISION, up, 0, MPI_COMM_WORLD, ierr)
      call MPI_Bsend(u(:, rows), n, MPI_DOUBLE_PRECISION, down, 1, MPI_COMM_WORLD, ierr)
    end if
    it = it + 1
  end do

  ! checksum of the whole field, in row order, on rank 0
  allocate (counts(nranks), displs(nranks))
  do r = 0, nranks - 1
    counts(r + 1) = n / nranks
    if (r < mod(n, nranks)) counts(r + 1) = counts(r + 1) + 1
    counts(r + 1) = counts(r + 1) * n
    displs(r + 1) = 0
    if (r > 0) displs(r + 1) = displs(r) + counts(r)
  end do
  allocate (all(merge(n * n, 1, rank == 0)))
  call MPI_Gatherv(u(:, 1:rows), rows * n, MPI_DOUBLE_PRECISION, all, counts, displs, MPI_DOUBLE_PRECISION, &
                   0, MPI_COMM_WORLD, ierr)
  if (api_check) call api_end()
  if (rank == 0) then
    write (output_unit, '(a,i0,a,i0,a,i0,a,i0,a,a)') 'fjacobi: ', n, ' x ', n, ', ', iters, ' iterations, ', &
      nranks, ' ranks', trim(merge(' (restarted)', '            ', mpisnap_restarted()))
    write (output_unit, '(a,a)') 'checksum: ', fnv_hex(all)
    flush (output_unit)
  end if
  if (api_fail) call mpisnap_unprotect('no-such-region')   ! no ierror: must stop the job
  call MPI_Buffer_detach(bbuf, bsize, ierr)
  call MPI_Finalize(ierr)
  ! a main program's allocatables are never freed by themselves (LeakSanitizer reports them)
  deallocate (u, v, all, bbuf, counts, displs)
  if (allocated(scratch)) deallocate (scratch)

contains

  subroutine usage()
    write (output_unit, '(a)') &
      'usage: fjacobi [--n N] [--iters K] [--snapshot-every K] [--crash-at K] [--api-check] [--api-fail]', &
      'A deterministic 2-D Jacobi stencil (N x N grid split by rows), the Fortran twin of jacobi,', &
      'restartable from an mpisnap snapshot; its last line is "checksum: <hex>".', &
      '  --n N               grid size (default 256, at least the number of ranks)', &
      '  --iters K           iterations (default 1000)', &
      '  --snapshot-every K  rank 0 asks for a snapshot every K iterations (default 0: never)', &
      '  --crash-at K        rank 1 kills itself (SIGKILL) at iteration K (default -1)', &
      '  --api-check         exercise the rest of the mpisnap module as well', &
      '  --api-fail          end with an mpisnap call that must stop the job', &
      '  --help              this text'
  end subroutine usage

  subroutine parse()
    integer :: k, nargs, val, stat
    character(len=64) :: a, b
    n = 256
    iters = 1000
    snapshot_every = 0
    crash_at = -1
    api_check = .false.
    api_fail = .false.
    nargs = command_argument_count()
    k = 1
    do while (k <= nargs)
      call get_command_argument(k, a)
      if (a == '--help' .or. a == '-h') then
        if (rank == 0) call usage()
        call MPI_Finalize(ierr)
        stop
      else if (a == '--api-check') then
        api_check = .true.
      else if (a == '--api-fail') then
        api_fail = .true.
      else
        b = ''
        stat = 1
        if (k < nargs) then
          call get_command_argument(k + 1, b)
          read (b, *, iostat=stat) val
        end if
        if (stat /= 0 .or. val < -1 .or. val > 100000000 .or. .not. (a == '--n' .or. a == '--iters' .or. &
            a == '--snapshot-every' .or. a == '--crash-at')) then
          if (rank == 0) write (error_unit, '(a)') 'fjacobi: ' // trim(a) // ' ' // trim(b) // &
            ': unknown option or bad value; see fjacobi --help'
          call MPI_Finalize(ierr)
          error stop 2
        end if
        select case (a)
        case ('--n')
          n = val
        case ('--iters')
          iters = val
        case ('--snapshot-every')
          snapshot_every = val
        case ('--crash-at')
          crash_at = val
        end select
        k = k + 1
      end if
      k = k + 1
    end do
    if (n < nranks .or. iters < 0) then
      if (rank == 0) write (error_unit, '(a,i0,a)') 'fjacobi: --n must be at least the number of ranks (', nranks, ')'
      call MPI_Finalize(ierr)
      error stop 2
    end if
  end subroutine parse

  subroutine expect(got, want, what)
    integer, intent(in) :: got, want
    character(*), intent(in) :: what
    if (got /= want) then
      write (error_unit, '(a,i0,a,a,a,i0,a,i0)') 'MISMATCH [rank ', rank, '] fjacobi: ', what, ': got ', got, &
        ', expected ', want
      flush (error_unit)
      call MPI_Abort(MPI_COMM_WORLD, 1, ierr)
    end if
  end subroutine expect

  ! the rest of the module, before the loop; the regions it leaves are 'scratch' (the
  ! rank's number, four times, conserved: 4 * the sum of the ranks) besides grid and iter
  subroutine api_start()
    integer, save, target :: tmp(3)
    if (.not. mpisnap_restarted()) call expect(int(mpisnap_last_snapshot()), 0, 'mpisnap_last_snapshot() before any')
    allocate (scratch(4))
    scratch = rank
    call mpisnap_protect('scratch', scratch, e)
    call expect(e, MPISNAP_OK, 'mpisnap_protect(scratch, ierror)')
    call mpisnap_protect('scratch', tmp, e)
    call expect(e, MPISNAP_EEXIST, 'mpisnap_protect of a name already protected: ierror')
    call mpisnap_protect('tmp', tmp, e)
    call expect(e, MPISNAP_OK, 'mpisnap_protect(tmp, ierror)')
    call mpisnap_unprotect('tmp', e)
    call expect(e, MPISNAP_OK, 'mpisnap_unprotect(tmp, ierror)')
    call mpisnap_unprotect('tmp', e)
    call expect(e, MPISNAP_ENOENT, 'mpisnap_unprotect of a name no longer protected: ierror')
    call mpisnap_unprotect('never-protected', e)
    call expect(e, MPISNAP_ENOENT, 'mpisnap_unprotect of an unknown name: ierror')
    if (rank == 0) then
      call mpisnap_conserve('scratch', 4_int64 * nranks * (nranks - 1) / 2, 1000000000, e)
      call expect(e, MPISNAP_OK, 'mpisnap_conserve(ierror)')
    end if
  end subroutine api_start

  subroutine api_end()
    integer(int64) :: last
    snaps = mpisnap_wait_all()
    last = mpisnap_last_snapshot()
    if (snaps /= last) call expect(int(snaps), int(last), 'mpisnap_wait_all() against mpisnap_last_snapshot()')
    if (snapshot_every > 0 .and. iters >= snapshot_every .and. snaps < 1) &
      call expect(int(snaps), 1, 'mpisnap_wait_all(): snapshots taken, at least')
    call mpisnap_unprotect('scratch')
    if (rank == 0) write (output_unit, '(a,i0,a)') 'fjacobi: api checks passed, ', snaps, ' snapshots'
  end subroutine api_end

  ! FNV-1a 64 over the bytes of a (little-endian doubles, as in memory), as 16 hex
  ! digits; the 64-bit product is formed from 16-bit limbs, so nothing overflows
  function fnv_hex(a) result(hex)
    real(dp), intent(in) :: a(:)
    character(len=16) :: hex
    integer(int64) :: h(0:3), p(0:3), c(0:3), bits, carry
    integer :: k, b, x, y
    ! jacobi.c's seed, 1469598103934665603 = 14650fb0739d0383 (FNV's offset basis without its last digit)
    h = [int(z'0383', int64), int(z'739d', int64), int(z'0fb0', int64), int(z'1465', int64)]
    p = [int(z'01b3', int64), 0_int64, int(z'0100', int64), 0_int64]   ! prime 100000001b3
    do k = 1, size(a)
      bits = transfer(a(k), bits)
      do b = 0, 7
        h(0) = ieor(h(0), iand(ishft(bits, -8 * b), 255_int64))
        c = 0
        do x = 0, 3
          do y = 0, 3 - x
            c(x + y) = c(x + y) + h(x) * p(y)
          end do
        end do
        carry = 0
        do x = 0, 3
          c(x) = c(x) + carry
          carry = ishft(c(x), -16)
          c(x) = iand(c(x), 65535_int64)
        end do
        h = c
      end do
    end do
    write (hex, '(4z4.4)') h(3), h(2), h(1), h(0)
    do k = 1, 16   ! lower case, as jacobi.c prints it
      if (hex(k:k) >= 'A' .and. hex(k:k) <= 'F') hex(k:k) = achar(iachar(hex(k:k)) + 32)
    end do
  end function fnv_hex

end program fjacobi
