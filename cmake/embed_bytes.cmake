# cc_embed_bytes(INPUT NAME OUT_DECL OUT_SIZE): a C++ definition `constexpr char NAME[] = {...};`
# holding the bytes of INPUT, and their count. A byte array rather than a string literal: no
# escaping, no compiler limit on a literal's length. Shared by embed_text.cmake and
# embed_files.cmake.
function(cc_embed_bytes input name out_decl out_size)
  file(READ "${input}" hex HEX)
  string(LENGTH "${hex}" hex_length)
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," bytes "${hex}")
  string(REGEX REPLACE "(('[^']*',){16})" "\\1\n    " bytes "${bytes}")
  math(EXPR size "${hex_length} / 2")
  if(size EQUAL 0)
    set(bytes "'\\\\0'")
  endif()
  set(${out_decl} "constexpr char ${name}[] = {\n    ${bytes}};\n" PARENT_SCOPE)
  set(${out_size} ${size} PARENT_SCOPE)
endfunction()
