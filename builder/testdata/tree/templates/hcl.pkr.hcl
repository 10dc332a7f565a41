variable "name" { type = string }
variable "image" { type = string }
variable "metadata" { type = map(string) }

source "null" "hcl" {
  communicator = "none"
}

build {
  sources = ["source.null.hcl"]
  provisioner "shell-local" {
    inline = ["echo hcl build of ${var.name} from ${var.image} for ${var.metadata["AQ_PERSONALITY"]}"]
  }
}
