#ifndef NONSMOOTH_COPENBLAS_SHIM_H
#define NONSMOOTH_COPENBLAS_SHIM_H
/* CBLAS from OpenBLAS (found through pkg-config `openblas`). */
#include <cblas.h>

/* LAPACK prototypes (Fortran calling convention, column-major, all by pointer).
   Declared here rather than through lapacke.h so only libopenblas-dev is needed. */
void dgesdd_(const char *jobz, const int *m, const int *n, double *a, const int *lda,
             double *s, double *u, const int *ldu, double *vt, const int *ldvt,
             double *work, const int *lwork, int *iwork, int *info);
void dsyevd_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda,
             double *w, double *work, const int *lwork, int *iwork, const int *liwork,
             int *info);
void dpotrf_(const char *uplo, const int *n, double *a, const int *lda, int *info);
void dpotrs_(const char *uplo, const int *n, const int *nrhs, const double *a, const int *lda,
             double *b, const int *ldb, int *info);
#endif
