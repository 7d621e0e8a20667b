{
  "targets": [
    {
      "target_name": "process_reward_dds",
      "sources": ["src/addon.cc", "src/raw_cdr.c"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "libraries": ["<!@(pkg-config --libs CycloneDDS)"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags": ["-Wall", "-Wextra", "-O2", "<!@(pkg-config --cflags CycloneDDS)"],
      "cflags_c": ["-std=gnu11"],
      "cflags_cc": ["-std=c++17", "-fexceptions"],
      "cflags_cc!": ["-fno-exceptions"]
    }
  ]
}
