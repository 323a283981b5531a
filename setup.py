"""Build glue: compile the Swift core, then the CPython extension against it.

`pip install .` runs `swift build -c release` for the NonsmoothC product with the
Swift standard library linked statically, copies libNonsmoothC.so next to the
extension inside the package, and links the extension with an $ORIGIN rpath so
the installed package imports with no environment variables set.
"""
import os
import shutil
import subprocess
from pathlib import Path

import numpy
from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

ROOT = Path(__file__).resolve().parent
LIBRARY = "libNonsmoothC.so"


def find_swift() -> str:
    for candidate in (os.environ.get("SWIFT"), shutil.which("swift"), "/opt/swift/usr/bin/swift"):
        if candidate and Path(candidate).exists():
            return candidate
    raise RuntimeError(
        "nonsmooth needs the Swift toolchain to build: put `swift` on PATH or set SWIFT=/path/to/swift"
    )


class BuildSwiftThenExtension(build_ext):
    def run(self):
        scratch = ROOT / ".build"
        command = [
            find_swift(), "build", "-c", "release",
            "--package-path", str(ROOT), "--scratch-path", str(scratch),
            "--product", "NonsmoothC",
            "-Xswiftc", "-static-stdlib",
        ]
        self.announce("building the Swift core: " + " ".join(command), level=2)
        subprocess.run(command, check=True)
        built = scratch / "release" / LIBRARY
        for ext in self.extensions:
            ext.library_dirs.append(str(built.parent))
        super().run()
        # Ship the Swift library next to the extension (build dir, and the source
        # tree for in-place / editable builds).
        destinations = {Path(self.get_ext_fullpath(ext.name)).parent for ext in self.extensions}
        if self.inplace:
            destinations.add(ROOT / "python" / "nonsmooth")
        for destination in destinations:
            destination.mkdir(parents=True, exist_ok=True)
            shutil.copy2(built, destination / LIBRARY)


native = Extension(
    "nonsmooth._native",
    sources=["bindings/python/_native.c", "bindings/python/prox_bindings.c", "bindings/python/enet_bindings.c",
             "bindings/python/solver_bindings.c",
             "bindings/python/bilevel_bindings.c", "bindings/python/autodiff_bindings.c",
             "bindings/python/training_bindings.c", "bindings/python/glm_bindings.c",
             "bindings/python/multitask_bindings.c"],
    depends=["bindings/python/native.h", "bindings/include/nonsmooth.h"],
    include_dirs=["bindings/include", numpy.get_include()],
    libraries=["NonsmoothC"],
    extra_compile_args=["-O2", "-std=c11", "-Wall", "-Wno-unused-parameter"],
    extra_link_args=["-Wl,-rpath,$ORIGIN"],
)

setup(ext_modules=[native], cmdclass={"build_ext": BuildSwiftThenExtension})
