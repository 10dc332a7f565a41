variable "name" { type = string }
variable "image" { type = string }
variable "metadata" { type = map(string) }
source "null" "x" { communicator = "none" }
build {
  sources = ["source.null.x"]
  provisioner "shell-local" { inline = ["echo ${var.name} from ${var.image}"] }
}
