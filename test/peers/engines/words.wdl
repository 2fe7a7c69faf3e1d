version 1.1

workflow words {
  input {
    Array[String] words = ["alpha", "beta", "gamma"]
  }
  call make { input: words = words }
  scatter (w in words) {
    call upper { input: word = w }
  }
  call count { input: src = make.out, uppers = upper.out }
  output {
    File listed = make.out
    File result = count.out
  }
}

task make {
  input { Array[String] words }
  command <<<
    printf '%s\n' ~{sep(" ", words)} > words.txt
  >>>
  output { File out = "words.txt" }
  runtime { container: "ubuntu:22.04" }
}

task upper {
  input { String word }
  command <<<
    echo '~{word}' | tr a-z A-Z > upper.txt
  >>>
  output { File out = "upper.txt" }
  runtime { container: "ubuntu:22.04" }
}

task count {
  input {
    File src
    Array[File] uppers
  }
  command <<<
    wc -l < '~{src}' > count.txt
    cat ~{sep(" ", uppers)} >> count.txt
  >>>
  output { File out = "count.txt" }
  runtime { container: "ubuntu:22.04" }
}
