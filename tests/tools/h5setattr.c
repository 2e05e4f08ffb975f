/*
 * h5setattr FILE NAME VALUE - overwrite the integer attribute NAME of the root group of
 * an HDF5 file with VALUE, in place. For the restart tests: a snapshot of another format
 * version must be refused. Exits 1 with a message when the file or attribute is missing.
 */
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: h5setattr FILE NAME VALUE\n");
        return 2;
    }
    int value = atoi(argv[3]);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    hid_t f = H5Fopen(argv[1], H5F_ACC_RDWR, H5P_DEFAULT);
    hid_t a = f >= 0 ? H5Aopen(f, argv[2], H5P_DEFAULT) : -1;
    int ok = a >= 0 && H5Awrite(a, H5T_NATIVE_INT, &value) >= 0;
    if (a >= 0) H5Aclose(a);
    if (f >= 0 && H5Fclose(f) < 0) ok = 0;
    if (!ok) fprintf(stderr, "h5setattr: cannot set attribute '%s' of %s\n", argv[2], argv[1]);
    return ok ? 0 : 1;
}
