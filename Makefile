# The sanitizer build shares the normal build's Verilator model cache: the
# generated Verilator C++ is third-party code, not ours to sanitize.
#
# Thin wrapper: the two commands of the README, plus conveniences.
#   make demo   - install what is missing, build, run the example build
#   make check  - install, build and run the whole test suite twice:
#                 a normal build and an ASan+UBSan build
BUILD      ?= build
ASAN_BUILD ?= build-asan
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
CTEST_ARGS ?= --output-on-failure -j $(JOBS)

.PHONY: all deps build build-asan demo check test test-asan bench clean

all: build

deps:
	@scripts/install-deps.sh all

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo

$(ASAN_BUILD)/build.ninja:
	cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DBS_SANITIZE=ON \
	  -DBS_VL_CACHE_DIR=$(CURDIR)/$(BUILD)/vl-cache

build: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

build-asan: deps $(ASAN_BUILD)/build.ninja
	cmake --build $(ASAN_BUILD) -j $(JOBS)

test: build
	cd $(BUILD) && ctest $(CTEST_ARGS)

test-asan: build-asan
	cd $(ASAN_BUILD) && ctest $(CTEST_ARGS)

check: test test-asan

demo: build
	scripts/demo.sh $(BUILD)

bench: build
	bench/run-all.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
