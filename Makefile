# The two commands of the README: `make run` (the main job) and `make test`. Both do all set-up first.
.PHONY: setup run test lint typecheck build clean

STAMP := node_modules/.setup-stamp

setup: $(STAMP)

# JOBS: node-gyp builds headless-gl (gl) from source on both cores. ONNXRUNTIME_NODE_INSTALL=skip: the
# onnxruntime-node CUDA download fails offline (npm 11 skips that script anyway, via allowScripts).
$(STAMP): package.json package-lock.json scripts/install-system-deps.sh native/dds/binding.gyp $(wildcard native/dds/src/*)
	bash scripts/install-system-deps.sh
	JOBS=2 ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund
	touch $@

build: setup
	npm run build

# The main job renders the sim's cameras, which needs an X display too. ARGS passes options through, e.g.
# make run ARGS="--task push --episodes 20 --keep-open".
run: setup
	xvfb-run -a -s "-screen 0 640x480x24" npm start -- main $(ARGS)

lint: setup
	npm run lint

typecheck: setup
	npm run typecheck

# The sim's render tests need an X display for headless GL: a virtual one from Xvfb.
test: setup
	npm run lint
	npm run typecheck
	xvfb-run -a -s "-screen 0 640x480x24" npm test

clean:
	rm -rf dist build $(STAMP)
